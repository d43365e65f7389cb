"""Fashion-MNIST: 70,000 real 28x28 grayscale photos of clothes in 10 classes (Zalando), from Debian's
`dataset-fashion-mnist` package, written as PNG class folders and a manifest with the official split.

Harder than the digits: its classes genuinely overlap (shirt, t-shirt, pullover, coat), as real datasets'
classes do. Nothing is downloaded: `make system-deps` installs the package.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import numpy as np
from PIL import Image

from cnn_doctor.config import UserError

IDX_FOLDER = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot")
IDX_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
IMAGES_HEADER, LABELS_HEADER = 16, 8  # bytes before the data in IDX image and label files


def read_split(split: str, idx_folder: Path = IDX_FOLDER) -> tuple[np.ndarray, np.ndarray]:
    """The official split's images (n x 28 x 28, uint8) and labels (indices into CLASSES)."""
    images_file, labels_file = (idx_folder / name for name in IDX_FILES[split])
    for path in (images_file, labels_file):
        if not path.is_file():
            raise UserError(
                f"{path} not found: install Debian's dataset-fashion-mnist package (make system-deps does)"
            )
    with gzip.open(images_file) as handle:
        images = np.frombuffer(handle.read(), np.uint8, offset=IMAGES_HEADER).reshape(-1, 28, 28)
    with gzip.open(labels_file) as handle:
        labels = np.frombuffer(handle.read(), np.uint8, offset=LABELS_HEADER)
    return images, labels


def first_per_class(labels: np.ndarray, per_class: int | None) -> np.ndarray:
    """Indices of the first `per_class` images of each class, in file order (all when None)."""
    if per_class is None:
        return np.arange(len(labels))
    return np.sort(np.concatenate([np.flatnonzero(labels == label)[:per_class] for label in range(len(CLASSES))]))


def write_fashion_mnist(
    folder: Path,
    train_per_class: int | None = None,
    test_per_class: int | None = None,
    idx_folder: Path = IDX_FOLDER,
) -> Path:
    """Write the images as <class>/<split>-<index>.png and `manifest.csv` (path,label,split); the manifest path.

    Written into a scratch folder renamed into place, so an interrupted write leaves nothing half-done.
    """
    manifest = folder / "manifest.csv"
    if manifest.is_file():
        return manifest
    scratch = folder.with_name(f".{folder.name}.tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    rows = ["path,label,split"]
    for split, per_class in (("train", train_per_class), ("test", test_per_class)):
        images, labels = read_split(split, idx_folder)
        for index in first_per_class(labels, per_class):
            name = f"{CLASSES[labels[index]]}/{split}-{index:05d}.png"
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(images[index], mode="L").save(scratch / name)
            rows.append(f"{name},{CLASSES[labels[index]]},{split}")
    (scratch / "manifest.csv").write_text("\n".join(rows) + "\n")
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch.rename(folder)
    return manifest
