"""Input pipeline: images per second our tf.data pipeline delivers vs the classic ImageDataGenerator.

Run: .venv/bin/python bench/input_pipeline.py [images] [repeats] [fit_epochs]

Same images for both: scikit-learn's digits upscaled to 32x32 grayscale, tiled to `images` (default 6000).
Ours is the project's code path: uint8 shards written by cnn_doctor.data.shards.ShardWriter (as preprocess does),
streamed by cnn_doctor.training.run.make_dataset (memory-mapped shard read, in-memory cache, shuffle, batch 64, cast,
the online transforms of tasks.augment.build_augmentation with the default augment params, prefetch).
The baseline is Keras' `ImageDataGenerator(...).flow(x, y)` with the same transforms: in Keras 3.15 it is
gone from `keras.preprocessing.image` and survives as `tf.keras.preprocessing.image.ImageDataGenerator`
(= `keras._tf_keras.keras.preprocessing.image`, code in `keras/src/legacy/preprocessing/image.py`);
it has no contrast option, so contrast is its `preprocessing_function` (per image, NumPy), the classic way.

1. delivery: iterate whole epochs (batches as model.fit receives them), images/second; ours after one
   warm-up epoch (its cache is filled on the first pass, which is timed separately).
2. model.fit without augmentation: simple_cnn, `fit_epochs` epochs, ours vs plain in-memory
   `model.fit(x, y, batch_size=64, shuffle=True)` (float32 arrays already in memory).
3. model.fit with augmentation: ours vs `model.fit(ImageDataGenerator.flow(...))`.
Interleaved (baseline, ours, baseline, ours...), best of `repeats`.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")

import numpy as np  # noqa: E402

from cnn_doctor.config import AugmentParams, ModelParams  # noqa: E402
from cnn_doctor.quiet import import_tensorflow_quietly  # noqa: E402

import_tensorflow_quietly()

import keras  # noqa: E402
from PIL import Image  # noqa: E402

from cnn_doctor.data.shards import ShardWriter  # noqa: E402
from cnn_doctor.training.augmentation import build_augmentation  # noqa: E402
from cnn_doctor.training.models import build_model, normalization_layer  # noqa: E402
from cnn_doctor.training.run import make_dataset  # noqa: E402

SIDE, BATCH, SEED = 32, 64, 42


def digits_images(count: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    upscaled = np.stack(
        [
            np.asarray(
                Image.fromarray((image * 255 / 16).astype(np.uint8)).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
            )
            for image in digits.images
        ]
    )
    order = np.random.default_rng(SEED).permutation(np.resize(np.arange(len(upscaled)), count))
    return upscaled[order][..., None], digits.target[order].astype(np.int32)


def write_shards(images: np.ndarray, labels: np.ndarray, folder: Path) -> list[tuple[Path, str]]:
    with ShardWriter(folder, "train", 4096) as writer:  # preprocess.shard_size default
        for image, label in zip(images, labels):
            writer.add(image, int(label))
    return [(folder, name) for name in writer.names]


def transforms() -> dict:
    return AugmentParams().model_dump(include={"rotation", "translation", "zoom", "flip", "contrast"})


def classic_generator(augment: bool):
    from tensorflow.keras.preprocessing.image import ImageDataGenerator  # legacy, still shipped

    if not augment:
        return ImageDataGenerator()
    t = transforms()
    rng = np.random.default_rng(SEED)

    def contrast(image: np.ndarray) -> np.ndarray:  # as keras.layers.RandomContrast: (x - mean) * f + mean
        factor = rng.uniform(1 - t["contrast"], 1 + t["contrast"])
        mean = image.mean(axis=(0, 1), keepdims=True)
        return np.clip((image - mean) * factor + mean, 0, 255)

    return ImageDataGenerator(
        rotation_range=t["rotation"] * 360,
        width_shift_range=t["translation"],
        height_shift_range=t["translation"],
        zoom_range=t["zoom"],
        fill_mode="constant",
        cval=0.0,
        preprocessing_function=contrast,
    )


def ours(shards, augment: bool):
    augmentation = build_augmentation(transforms(), SEED) if augment else None
    return make_dataset(shards, (SIDE, SIDE, 1), BATCH, shuffle=True, seed=SEED, augmentation=augmentation)[0]


def iterate_ours(shards, epochs: int) -> tuple[float, float]:
    dataset = ours(shards, augment=True)
    started = time.perf_counter()
    count = sum(int(x.shape[0]) for x, _ in dataset)  # warm-up: fills the cache, traces the map functions
    first = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(epochs):
        for _batch in dataset:
            pass
    return first, count * epochs / (time.perf_counter() - started)


def iterate_classic(x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    flow = classic_generator(True).flow(x.astype(np.float32), y, batch_size=BATCH, shuffle=True, seed=SEED)
    flow[0]
    started, count = time.perf_counter(), 0
    for _ in range(epochs):
        for index in range(len(flow)):
            count += len(flow[index][0])
        flow.on_epoch_end()
    return count / (time.perf_counter() - started)


def new_model():
    keras.utils.set_random_seed(SEED)
    model, _ = build_model(ModelParams(), (SIDE, SIDE, 1), 10, normalization_layer("unit", [0.0], [1.0]))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def fit_seconds(data, epochs: int, y=None) -> float:
    model = new_model()
    started = time.perf_counter()
    if y is None:
        model.fit(data, epochs=epochs, verbose=0)
    else:
        model.fit(data, y, batch_size=BATCH, epochs=epochs, shuffle=True, verbose=0)
    return time.perf_counter() - started


def main(count: int = 6000, repeats: int = 3, fit_epochs: int = 3) -> None:
    x, y = digits_images(count)
    shards = write_shards(x, y, Path(tempfile.mkdtemp()))
    xf = x.astype(np.float32)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    delivery = {"ImageDataGenerator.flow": [], "ours (tf.data)": [], "ours, first epoch (fills cache)": []}
    plain = {"model.fit(x, y) in memory": [], "ours": []}
    augmented = {"model.fit(ImageDataGenerator.flow)": [], "ours": []}
    for _ in range(repeats):
        delivery["ImageDataGenerator.flow"].append(iterate_classic(x, y, 2))
        first, steady = iterate_ours(shards, 3)
        delivery["ours (tf.data)"].append(steady)
        delivery["ours, first epoch (fills cache)"].append(first)
    for _ in range(repeats):
        plain["model.fit(x, y) in memory"].append(fit_seconds(xf, fit_epochs, y))
        plain["ours"].append(fit_seconds(ours(shards, augment=False), fit_epochs))
    for _ in range(repeats):
        flow = classic_generator(True).flow(xf, y, batch_size=BATCH, shuffle=True, seed=SEED)
        augmented["model.fit(ImageDataGenerator.flow)"].append(fit_seconds(flow, fit_epochs))
        augmented["ours"].append(fit_seconds(ours(shards, augment=True), fit_epochs))
    results = {
        "images": count,
        "shape": [SIDE, SIDE, 1],
        "batch": BATCH,
        "repeats": repeats,
        "fit_epochs": fit_epochs,
        "transforms": transforms(),
        "load_before": load_before,
        "delivery_images_per_s": {k: max(v) for k, v in delivery.items()},
        "fit_no_augmentation_s": {k: min(v) for k, v in plain.items()},
        "fit_augmented_s": {k: min(v) for k, v in augmented.items()},
        "load_after": Path("/proc/loadavg").read_text().split()[:3],
    }
    d, p, a = results["delivery_images_per_s"], results["fit_no_augmentation_s"], results["fit_augmented_s"]
    results["ratios"] = {
        "delivery ours/classic (target >= 3)": d["ours (tf.data)"] / d["ImageDataGenerator.flow"],
        "fit without augmentation ours/plain (target <= 1.10)": p["ours"] / p["model.fit(x, y) in memory"],
        "fit with augmentation classic/ours (speed-up)": a["model.fit(ImageDataGenerator.flow)"] / a["ours"],
    }
    print(json.dumps(results, indent=2))
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "input_pipeline.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
