"""augment: seeded offline balancing of minority classes, and the online transforms used in training."""

from __future__ import annotations

import numpy as np
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import AugmentParams
from cnn_doctor.data.shards import ShardWriter, read_shard
from cnn_doctor.layout import Layout, write_json
from cnn_doctor.quiet import import_tensorflow_quietly
from cnn_doctor.records import Augmented, Prepared, completed, record_payload
from cnn_doctor.training.augmentation import build_augmentation

BALANCE_BATCH = 256


def plan_balance(class_counts: np.ndarray) -> dict[int, int]:
    """How many augmented copies each class needs to reach the largest class."""
    largest = int(class_counts.max())
    return {label: largest - int(count) for label, count in enumerate(class_counts) if 0 < count < largest}


def gather(folder, names: list[str], wanted: np.ndarray) -> np.ndarray:
    """Read the images at the given global indices across shards, one shard in memory at a time."""
    pieces, offset = [], 0
    order = np.argsort(wanted)
    for name in names:
        images, _ = read_shard(folder, name)
        in_shard = wanted[order][(wanted[order] >= offset) & (wanted[order] < offset + len(images))]
        pieces.append(np.asarray(images[in_shard - offset]))
        offset += len(images)
    sorted_images = np.concatenate(pieces)
    result = np.empty_like(sorted_images)
    result[order] = sorted_images
    return result


@task(name="augment", cache_policy=STAGE_CACHE, persist_result=True)
def augment(prepared: Prepared, params: AugmentParams, layout: Layout) -> Augmented:
    """Write balancing copies of minority classes and the online transform settings."""
    import_tensorflow_quietly()
    preprocess_dir = layout.stage_dir("preprocess")
    train_shards = list(prepared.shards["train"])
    transforms = params.model_dump(include={"rotation", "translation", "zoom", "flip", "contrast"})
    extra_shards, extra_counts = [], {}
    with layout.writing_stage("augment") as folder:
        if params.enabled and params.balance and train_shards:
            labels = np.concatenate([read_shard(preprocess_dir, name)[1] for name in train_shards])
            plan = plan_balance(np.bincount(labels, minlength=len(prepared.classes)))
            extra_counts = {prepared.classes[label]: n for label, n in plan.items()}
            extra_shards = _write_balance_copies(plan, labels, preprocess_dir, train_shards, params, folder)
        record = Augmented(
            enabled=params.enabled,
            transforms=transforms if params.enabled else {},
            seed=params.seed,
            extra_shards=tuple(extra_shards),
            extra_counts=extra_counts,
        )
        summary = {
            "stage": "augment",
            "extra_images": int(sum(extra_counts.values())),
            "params": params.model_dump(mode="json"),
        }
        write_json(folder / layout.summary("augment").name, summary)
        write_json(folder / layout.record("augment").name, record_payload(record))
    return completed(record, layout, "augment")


def _write_balance_copies(plan, labels, preprocess_dir, train_shards, params, folder) -> list[str]:
    import keras

    keras.utils.set_random_seed(params.seed)
    pipeline = build_augmentation(params.model_dump(), params.seed)
    rng = np.random.default_rng(params.seed)
    with ShardWriter(folder, "balance", 4096) as writer:
        for label, copies in sorted(plan.items()):
            sources = rng.choice(np.flatnonzero(labels == label), size=copies, replace=True)
            for start in range(0, copies, BALANCE_BATCH):
                batch = gather(preprocess_dir, train_shards, sources[start : start + BALANCE_BATCH])
                augmented = keras.ops.convert_to_numpy(pipeline(batch.astype("float32"), training=True))
                for image in np.clip(np.round(augmented), 0, 255).astype(np.uint8):
                    writer.add(image, label)
    return writer.names
