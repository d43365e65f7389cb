"""preprocess: decode, convert channels, resize, split by content (stratified, seeded), store uint8 shards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from cnn_doctor.config import PreprocessParams
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.layout import Layout, stage_digest, write_json
from cnn_doctor.progress import progress
from tasks.shards import ShardWriter
from tasks.sources import decode_image

SPLITS = ("train", "val", "test")


def choose_channels(usable: pd.DataFrame, requested: str | int) -> int:
    """`auto` picks the most common channel count (grayscale stays grayscale, colour becomes RGB)."""
    if requested != "auto":
        return int(requested)
    colour = (usable["channels"].fillna(1).astype(int) >= 3).sum()
    return 3 if colour > len(usable) / 2 else 1


def assign_splits(usable: pd.DataFrame, params: PreprocessParams) -> pd.Series:
    """Keep a manifest's split; split the rest by content group so copies never straddle splits."""
    splits = usable["split"].copy()
    todo = usable[splits.isna()]
    if todo.empty:
        return splits
    groups = todo.drop_duplicates("perceptual_hash")[["perceptual_hash", "label"]]
    held_out = params.val_fraction + params.test_fraction
    group_split = pd.Series("train", index=groups["perceptual_hash"].values)
    if held_out > 0 and len(groups) >= 3:
        train_groups, rest = _split(groups, held_out, params.seed)
        group_split[rest["perceptual_hash"].values] = "val"
        if params.test_fraction > 0 and len(rest) >= 2:
            test_share = params.test_fraction / held_out
            _, test = _split(rest, test_share, params.seed) if test_share < 1 else (None, rest)
            group_split[test["perceptual_hash"].values] = "test"
    splits[todo.index] = todo["perceptual_hash"].map(group_split).values
    return splits


def _split(groups: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified when every class has enough groups, plain seeded shuffle otherwise."""
    from sklearn.model_selection import train_test_split  # ~1 s to import: not on a cached run's path

    fraction = min(max(fraction, 1 / len(groups)), 1 - 1 / len(groups))
    smallest_class = groups["label"].value_counts().min()
    stratify = groups["label"] if smallest_class >= 2 else None
    try:
        return train_test_split(groups, test_size=fraction, random_state=seed, stratify=stratify)
    except ValueError:
        return train_test_split(groups, test_size=fraction, random_state=seed)


def load_image(path: Path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Decode as validate did (upright, 8-bit), convert to the channel count, resize to (height, width)."""
    image = decode_image(path).convert("L" if channels == 1 else "RGB")
    array = np.asarray(image.resize((size[1], size[0]), Image.Resampling.BILINEAR), dtype=np.uint8)
    return array[..., None] if channels == 1 else array


@task(name="preprocess", cache_policy=STAGE_CACHE, persist_result=True)
def preprocess(validated: dict, params: PreprocessParams, layout: Layout) -> dict:
    """Decode, resize and split the usable images into uint8 shards."""
    data_root = Path(validated["source"])
    manifest = pd.read_csv(layout.manifest, dtype={"label": "string", "split": "string"}, keep_default_na=True)
    usable = manifest[manifest["usable"]].reset_index(drop=True)
    if usable.empty:
        raise ValueError("No usable images to preprocess; see the validate findings.")
    classes = sorted(usable["label"].unique())
    channels = choose_channels(usable, params.channels)
    usable["split"] = assign_splits(usable, params)
    index = {"classes": classes, "image_shape": [*params.image_size, channels],
             "normalize": params.normalize, "splits": {}, "params": params.model_dump(mode="json")}
    with layout.writing_stage("preprocess") as folder:
        moments = np.zeros((3, channels))  # count, sum, sum of squares per channel (training split)
        for split in SPLITS:
            # shuffled (seeded) so every shard mixes the classes: streaming and sampling stay unbiased
            rows = usable[usable["split"] == split].sample(frac=1.0, random_state=params.seed)
            with ShardWriter(folder, split, params.shard_size) as writer:
                for path, label in progress(zip(rows["path"], rows["label"]), f"Preprocessing {split}", len(rows)):
                    image = load_image(data_root / path, params.image_size, channels)
                    writer.add(image, classes.index(label))
                    if split == "train":
                        pixels = image.reshape(-1, channels).astype(np.float64)
                        moments += [np.full(channels, len(pixels)), pixels.sum(0), (pixels**2).sum(0)]
            index["splits"][split] = {"count": int(len(rows)), "shards": writer.names,
                                      "class_counts": {c: int(n) for c, n in Counter(rows["label"]).items()}}
        mean = moments[1] / np.maximum(moments[0], 1)
        index["mean"] = mean.tolist()
        index["variance"] = np.maximum(moments[2] / np.maximum(moments[0], 1) - mean**2, 1e-6).tolist()
        usable[["path", "label", "split"]].to_csv(folder / "splits.csv", index=False)
        write_json(folder / "index.json", index)
    return {"stage": "preprocess", "classes": classes, "counts": {s: index["splits"][s]["count"] for s in SPLITS},
            "digest": stage_digest(layout, "preprocess")}
