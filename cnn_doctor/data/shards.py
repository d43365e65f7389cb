"""Images stored as uint8 NumPy shards: bounded memory to write, memory-mapped to read, no pickle."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np


class ShardWriter:
    """Collect (image, label) pairs and write them `shard_size` at a time as `<prefix>-NNNNN.{images,labels}.npy`."""

    def __init__(self, folder: Path, prefix: str, shard_size: int) -> None:
        self.folder, self.prefix, self.shard_size = folder, prefix, shard_size
        self.images: list[np.ndarray] = []
        self.labels: list[int] = []
        self.names: list[str] = []

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc_info) -> None:
        if exc_info[0] is None:
            self.flush()

    def add(self, image: np.ndarray, label: int) -> None:
        self.images.append(image)
        self.labels.append(label)
        if len(self.images) >= self.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.images:
            return
        name = f"{self.prefix}-{len(self.names):05d}"
        np.save(self.folder / f"{name}.images.npy", np.stack(self.images).astype(np.uint8))
        np.save(self.folder / f"{name}.labels.npy", np.asarray(self.labels, dtype=np.int32))
        self.names.append(name)
        self.images, self.labels = [], []


def read_shard(folder: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Memory-map one shard's images and load its labels."""
    images = np.load(folder / f"{name}.images.npy", mmap_mode="r", allow_pickle=False)
    labels = np.load(folder / f"{name}.labels.npy", allow_pickle=False)
    return images, labels


def iterate_shards(folder: Path, names: list[str]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for name in names:
        yield read_shard(folder, name)


def read_all(folder: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate shards (for small splits such as a test set)."""
    parts = list(iterate_shards(folder, names))
    if not parts:
        raise ValueError(f"No shards named in {folder}.")
    return np.concatenate([np.asarray(p[0]) for p in parts]), np.concatenate([p[1] for p in parts])
