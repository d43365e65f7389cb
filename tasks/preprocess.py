"""preprocess: decode, convert channels, resize, split by content (stratified, seeded), store uint8 shards."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import PreprocessParams
from cnn_doctor.data.decoding import load_chunk
from cnn_doctor.data.shards import ShardWriter
from cnn_doctor.layout import Layout, write_json
from cnn_doctor.parallel import map_chunks
from cnn_doctor.progress import progress
from cnn_doctor.records import SPLITS, Prepared, Validated, completed, record_payload


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
        return carve_validation(splits, usable, params)
    groups = todo.drop_duplicates("content_group")[["content_group", "label"]]
    held_out = params.val_fraction + params.test_fraction
    group_split = pd.Series("train", index=groups["content_group"].values)
    if held_out > 0 and len(groups) >= 3:
        train_groups, rest = _split(groups, held_out, params.seed)
        group_split[rest["content_group"].values] = "val"
        if params.test_fraction > 0 and len(rest) >= 2:
            test_share = params.test_fraction / held_out
            _, test = _split(rest, test_share, params.seed) if test_share < 1 else (None, rest)
            group_split[test["content_group"].values] = "test"
    splits[todo.index] = todo["content_group"].map(group_split).values
    return splits


def carve_validation(splits: pd.Series, usable: pd.DataFrame, params: PreprocessParams) -> pd.Series:
    """A manifest with training rows but no validation rows (an official train/test split) would train blind:
    hold out preprocess.val_fraction of the training rows' content groups, stratified and seeded."""
    train = usable[splits == "train"]
    if (splits == "val").any() or params.val_fraction <= 0 or train["content_group"].nunique() < 3:
        return splits
    groups = train.drop_duplicates("content_group")[["content_group", "label"]]
    _, held_out = _split(groups, params.val_fraction, params.seed)
    splits = splits.copy()
    splits[train.index[train["content_group"].isin(held_out["content_group"])]] = "val"
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


# Made from a plain function, like validate's inspect-images, for `dvc repro`'s worker processes.
load_images = task(load_chunk, name="load-images", persist_result=False, retries=1)


@task(name="preprocess", cache_policy=STAGE_CACHE, persist_result=True)
def preprocess(validated: Validated, params: PreprocessParams, layout: Layout) -> Prepared:
    """Decode, resize and split the usable images into uint8 shards."""
    data_root = Path(validated.source)
    manifest = layout.read_manifest()
    usable = manifest[manifest["usable"]].reset_index(drop=True)
    if usable.empty:
        raise ValueError("No usable images to preprocess; see the validate findings.")
    classes = sorted(usable["label"].unique())
    channels = choose_channels(usable, params.channels)
    given = usable["split"].copy()
    usable["split"] = assign_splits(usable, params)
    summary = {
        "stage": "preprocess",
        "splits": {},
        "validation_carved_from_train": int(((given == "train") & (usable["split"] == "val")).sum()),
        "params": params.model_dump(mode="json"),
    }
    with layout.writing_stage("preprocess") as folder:
        moments = np.zeros((3, channels))  # count, sum, sum of squares per channel (training split)
        in_shard_order = []
        for split in SPLITS:
            # shuffled (seeded) so every shard mixes the classes: streaming and sampling stay unbiased
            rows = usable[usable["split"] == split].sample(frac=1.0, random_state=params.seed)
            labels = [classes.index(label) for label in rows["label"]]
            starts = range(0, len(rows), params.shard_size)
            chunks = [rows["path"].iloc[start : start + params.shard_size].tolist() for start in starts]
            loaded = map_chunks(load_images, chunks, root=data_root, size=params.image_size, channels=channels)
            with ShardWriter(folder, split, params.shard_size) as writer:
                for start, images in zip(starts, progress(loaded, f"Preprocessing {split}", len(chunks))):
                    for image, label in zip(images, labels[start : start + len(images)]):
                        writer.add(image, label)
                        if split == "train":
                            pixels = image.reshape(-1, channels).astype(np.float64)
                            moments += [np.full(channels, len(pixels)), pixels.sum(0), (pixels**2).sum(0)]
            in_shard_order.append(rows[["path", "label", "split"]])
            summary["splits"][split] = {
                "count": int(len(rows)),
                "shards": writer.names,
                "class_counts": {c: int(n) for c, n in Counter(rows["label"]).items()},
            }
        mean = moments[1] / np.maximum(moments[0], 1)
        record = Prepared(
            classes=tuple(classes),
            image_shape=(*params.image_size, channels),
            normalize=params.normalize,
            mean=tuple(mean.tolist()),
            variance=tuple(np.maximum(moments[2] / np.maximum(moments[0], 1) - mean**2, 1e-6).tolist()),
            shards={split: tuple(summary["splits"][split]["shards"]) for split in SPLITS},
            counts={split: summary["splits"][split]["count"] for split in SPLITS},
        )
        # row i of a split here is image i of its shards: evaluate joins predictions back to files this way
        pd.concat(in_shard_order).to_csv(folder / layout.splits.name, index=False)
        write_json(folder / layout.summary("preprocess").name, summary)
        write_json(folder / layout.record("preprocess").name, record_payload(record))
    return completed(record, layout, "preprocess")
