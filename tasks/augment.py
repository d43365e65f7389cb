"""augment: seeded offline balancing of minority classes, and the online transforms used in training."""

from __future__ import annotations

import numpy as np
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import AugmentParams
from cnn_doctor.data.shards import ShardWriter, read_shard
from cnn_doctor.layout import Layout, read_json, stage_digest, write_json
from cnn_doctor.quiet import import_tensorflow_quietly

BALANCE_BATCH = 256


def build_augmentation(transforms: dict, seed: int):
    """The online random transforms as a Keras pipeline (empty when nothing is configured)."""
    import keras

    layers = []
    if transforms.get("rotation"):
        layers.append(keras.layers.RandomRotation(transforms["rotation"], fill_mode="constant", seed=seed))
    if transforms.get("translation"):
        shift = transforms["translation"]
        layers.append(keras.layers.RandomTranslation(shift, shift, fill_mode="constant", seed=seed + 1))
    if transforms.get("zoom"):
        layers.append(keras.layers.RandomZoom(transforms["zoom"], fill_mode="constant", seed=seed + 2))
    if transforms.get("flip", "none") != "none":
        layers.append(keras.layers.RandomFlip(transforms["flip"], seed=seed + 3))
    if transforms.get("contrast"):
        layers.append(keras.layers.RandomContrast(transforms["contrast"], value_range=(0, 255), seed=seed + 4))
    return keras.Sequential(layers, name="augmentation")


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
def augment(prepared: dict, params: AugmentParams, layout: Layout) -> dict:
    """Write balancing copies of minority classes and the online transform settings."""
    import_tensorflow_quietly()
    preprocess_dir = layout.stage_dir("preprocess")
    index = read_json(preprocess_dir / "index.json")
    train_shards = index["splits"]["train"]["shards"]
    transforms = params.model_dump(include={"rotation", "translation", "zoom", "flip", "contrast"})
    settings = {
        "enabled": params.enabled,
        "transforms": transforms if params.enabled else {},
        "seed": params.seed,
        "balance": params.enabled and params.balance,
        "extra_shards": [],
        "extra_counts": {},
        "params": params.model_dump(mode="json"),
    }
    with layout.writing_stage("augment") as folder:
        if settings["balance"] and train_shards:
            labels = np.concatenate([read_shard(preprocess_dir, name)[1] for name in train_shards])
            plan = plan_balance(np.bincount(labels, minlength=len(index["classes"])))
            settings["extra_counts"] = {index["classes"][label]: n for label, n in plan.items()}
            settings["extra_shards"] = _write_balance_copies(plan, labels, preprocess_dir, train_shards, params, folder)
        write_json(folder / "augment.json", settings)
    return {
        "stage": "augment",
        "extra_images": int(sum(settings["extra_counts"].values())),
        "digest": stage_digest(layout, "augment"),
    }


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
