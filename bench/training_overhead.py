"""Training overhead: the train stage (doctor's probes on, quick experiments off) vs a plain Keras script.

Run: .venv/bin/python bench/training_overhead.py [epochs] [repeats] [section.key=value ...]
(the overrides apply to the train stage and the plain script alike, e.g. train.mixed_precision=true on a GPU)

Both train the same model (simple_cnn with its Rescaling layer, same seed) on the same images (the
bundled digits at 32x32 after validate/preprocess/augment; the training set includes augment's balancing
copies) for the same number of epochs (early stopping off), batch 64, Adam 1e-3, with validation each
epoch, and save the model. Two settings:

- augmentation off (augment.enabled=false): the plain script is `model.fit(x, y, validation_data=...)`
  on float32 arrays in memory.
- augmentation on (the default params): the plain script feeds
  `tf.data.Dataset.from_tensor_slices((x, y)).shuffle().batch(64).map(augmentation).prefetch()` with the
  same Keras augmentation layers (tasks.augment.build_augmentation).

Ours is `tasks.train.train.fn` (what the flow and `dvc repro` run): it also builds the model from the
shards' index, runs the pre-training model checks, class weights, probes (one compiled pass per epoch),
the resume checkpoint (at most every `train.checkpoint_seconds`, 10 s by default; the third setting writes it
after every epoch, as before that key existed), CSVLogger, ReduceLROnPlateau, the curve diagnosis, and writes
history, findings and summary. Interleaved (plain, ours, plain, ours), best of `repeats`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")  # no progress bars

import numpy as np  # noqa: E402

from cnn_doctor.config import load_params  # noqa: E402
from cnn_doctor.data.shards import read_shard  # noqa: E402
from cnn_doctor.data.sources import write_digits  # noqa: E402
from cnn_doctor.layout import Layout, read_json  # noqa: E402
from cnn_doctor.quiet import import_tensorflow_quietly  # noqa: E402
from cnn_doctor.records import load_record  # noqa: E402
from cnn_doctor.training.augmentation import build_augmentation  # noqa: E402
from tasks.augment import augment  # noqa: E402
from tasks.preprocess import preprocess  # noqa: E402
from tasks.train import train  # noqa: E402
from tasks.validate import validate  # noqa: E402

QUICK_EXPERIMENTS_OFF = [
    "diagnose.lr_range_test=false",
    "diagnose.single_batch_test=false",
    "diagnose.augmentation_ablation=false",
    "diagnose.learning_curve=false",
]


def arrays(layout: Layout) -> tuple:
    """The training images (with the balancing copies) and validation images, as the train stage reads them."""
    preprocess_dir, augment_dir = layout.stage_dir("preprocess"), layout.stage_dir("augment")
    prepared, augmented = load_record(layout, "preprocess"), load_record(layout, "augment")
    train_shards = [(preprocess_dir, n) for n in prepared.shards["train"]]
    train_shards += [(augment_dir, n) for n in augmented.extra_shards]
    val_shards = [(preprocess_dir, n) for n in prepared.shards["val"]]

    def load(shards):
        parts = [read_shard(folder, name) for folder, name in shards]
        return (
            np.concatenate([np.asarray(p[0]) for p in parts]).astype(np.float32),
            np.concatenate([p[1] for p in parts]),
        )

    return (*load(train_shards), *load(val_shards), prepared, augmented)


def plain_keras(layout: Layout, params, epochs: int, folder: Path) -> float:
    """What someone writes without cnn-doctor: build, compile, fit on arrays, save."""
    import keras
    import tensorflow as tf

    from cnn_doctor.training.models import build_model, normalization_layer

    x, y, xv, yv, prepared, augmented = arrays(layout)
    started = time.perf_counter()
    keras.utils.set_random_seed(params.train.seed)
    gpus = tf.config.list_physical_devices("GPU")
    mixed = params.train.mixed_precision is True or (params.train.mixed_precision == "auto" and bool(gpus))
    keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")  # as the stage does
    model, _ = build_model(
        params.model,
        prepared.image_shape,
        len(prepared.classes),
        normalization_layer(prepared.normalize, prepared.mean, prepared.variance),
    )
    model.compile(
        optimizer=keras.optimizers.Adam(params.train.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    if augmented.transforms_online:
        augmentation = build_augmentation(augmented.transforms, augmented.seed)
        data = (
            tf.data.Dataset.from_tensor_slices((x, y))
            .shuffle(len(x), seed=params.train.seed)
            .batch(params.train.batch_size)
            .map(lambda a, b: (augmentation(a, training=True), b), num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
        )
        model.fit(data, validation_data=(xv, yv), epochs=epochs, shuffle=False, verbose=0)  # shuffled above
    else:
        model.fit(
            x, y, validation_data=(xv, yv), batch_size=params.train.batch_size, epochs=epochs, shuffle=True, verbose=0
        )
    model.save(folder / "plain.keras")
    return time.perf_counter() - started


def main(epochs: int = 15, repeats: int = 2, *overrides: str) -> None:
    import_tensorflow_quietly()
    folder = Path(tempfile.mkdtemp())
    digits = write_digits(folder / "digits")
    base = [
        f"train.epochs={epochs}",
        "train.early_stopping_patience=0",
        "diagnose.probes=true",
        *QUICK_EXPERIMENTS_OFF,
        *overrides,
    ]
    settings = {
        "augmentation off": ["augment.enabled=false"],
        "augmentation on (default)": [],
        "augmentation on, checkpoint every epoch": ["train.checkpoint_seconds=0"],
    }
    results = {"epochs": epochs, "repeats": repeats, "load_before": Path("/proc/loadavg").read_text().split()[:3]}
    for label, extra in settings.items():
        params = load_params(None, [*base, *extra])
        layout = Layout(folder / label.replace(" ", "-").replace(",", ""))
        validated = validate.fn(digits, "", params.validate_params, layout)
        prepared = preprocess.fn(validated, params.preprocess, layout)
        augmented = augment.fn(prepared, params.augment, layout)
        timings = {"plain keras": [], "train stage": []}
        for _ in range(repeats):
            timings["plain keras"].append(plain_keras(layout, params, epochs, folder))
            started = time.perf_counter()
            train.fn(prepared, augmented, params.model, params.train, params.diagnose, layout)
            timings["train stage"].append(time.perf_counter() - started)
        summary = read_json(layout.summary("train"))
        plain, ours = min(timings["plain keras"]), min(timings["train stage"])
        results[label] = {
            "plain keras s": plain,
            "train stage s": ours,
            "ratio": ours / plain,
            "model.fit inside the stage s": summary["seconds"],
            "epochs run": summary["epochs_run"],
            "train images": summary["train_images"],
            "all timings": timings,
        }
        print(label, json.dumps(results[label], indent=2), flush=True)
    results["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "training_overhead.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if "=" not in a]
    main(*numbers, *(a for a in sys.argv[1:] if "=" in a))
