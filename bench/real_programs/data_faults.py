"""The datasets the programs train on, and the real programs' data faults, as transforms
`(folder, source) -> data path` (a class-folder tree or a CSV manifest with a split column) like those of
cnn_doctor/zoo.py and bench/fault_zoo.py. `source` is a class-folder tree (the digits, or Fashion-MNIST with one
folder per class name); nothing under it is modified.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

Transform = Callable[[Path, Path], Path]


def copy_classes(
    source: Path, target: Path, classes: tuple[str, ...] | None = None, per_class: int | None = None
) -> Path:
    """A writable copy of `source` (only `classes`, in source order, and the first `per_class` files of each)."""
    names = [folder.name for folder in sorted(source.iterdir()) if folder.is_dir()]
    missing = sorted(set(classes or ()) - set(names))
    if missing:
        raise ValueError(f"{source} has no class folder(s) {', '.join(missing)} (it has {', '.join(names)})")
    for name in classes or names:
        (target / name).mkdir(parents=True)
        for file in sorted((source / name).iterdir())[:per_class]:
            shutil.copy(file, target / name / file.name)
    return target


def subset(classes: tuple[str, ...] | None = None, per_class: int | None = None) -> Transform:
    """The dataset as a program trains on it: a copy of some classes (all when None)."""
    return lambda folder, source: copy_classes(source, folder / "data", classes, per_class)


def _class_folders(data: Path) -> list[Path]:
    return [folder for folder in sorted(data.iterdir()) if folder.is_dir()]


def _write_manifest(data: Path, rows: list[str]) -> Path:
    (data / "manifest.csv").write_text("\n".join(["path,label,split", *rows]) + "\n")
    return data / "manifest.csv"


def test_pixels_unscaled(classes: tuple[str, ...] | None = None, per_class: int | None = None) -> Transform:
    """SO 59325381: the training pixels are divided by 255, the test pixels are not. To a network trained on 0-1
    pixels, raw 0-255 pixels are saturated: every non-zero pixel is far above 1. cnn-doctor scales every split the
    same way, so the test images are written as the network sees them: every non-zero pixel at full scale.
    Splits per class (seeded): 70% train, 15% validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes, per_class)
        rng = np.random.default_rng(0)
        rows = []
        for class_folder in _class_folders(data):
            files = sorted(class_folder.iterdir())
            held = round(0.15 * len(files))
            for rank, index in enumerate(rng.permutation(len(files))):
                path = files[index]
                split = "test" if rank < held else "val" if rank < 2 * held else "train"
                if split == "test":
                    pixels = np.asarray(Image.open(path).convert("L"))
                    Image.fromarray(np.where(pixels > 0, 255, 0).astype(np.uint8), "L").save(path)
                rows.append(f"{path.relative_to(data)},{class_folder.name},{split}")
        return _write_manifest(data, rows)

    return make


def validation_split_unshuffled(classes: tuple[str, ...] | None = None, per_class: int | None = None) -> Transform:
    """Defects4ML 091 (SO 56103207): the arrays are sorted by class and not shuffled, so Keras's
    validation_split=0.2 holds out the last 20% of them: the last classes, never seen in training."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes, per_class)
        folders = _class_folders(data)
        held = {folder.name for folder in folders[-max(1, round(0.2 * len(folders))) :]}
        rows = [
            f"{path.relative_to(data)},{folder.name},{'val' if folder.name in held else 'train'}"
            for folder in folders
            for path in sorted(folder.iterdir())
        ]
        return _write_manifest(data, rows)

    return make


def classes_overlap(label1: str, label2: str, share: float = 0.5) -> Transform:
    """DeepCrime's make_output_classes_overlap: `share` of `label1`'s images copied into `label2` (the same
    images under two labels)."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        files = sorted((data / label1).iterdir())
        chosen = np.random.default_rng(0).choice(len(files), size=round(share * len(files)), replace=False)
        for index in sorted(chosen):
            shutil.copy(files[index], data / label2 / f"overlap-{files[index].name}")
        return data

    return make


def labels_changed(share: float = 0.3) -> Transform:
    """DeepCrime's change_label: `share` of the most frequent class's images (the first such class) moved to
    other classes, chosen at random."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        folders = _class_folders(data)
        counts = [len(list(folder.iterdir())) for folder in folders]
        chosen_class = folders[int(np.argmax(counts))]
        others = [folder for folder in folders if folder != chosen_class]
        files = sorted(chosen_class.iterdir())
        rng = np.random.default_rng(0)
        for index in sorted(rng.choice(len(files), size=round(share * len(files)), replace=False)):
            target = others[rng.integers(len(others))]
            shutil.move(files[index], target / f"relabelled-{files[index].name}")
        return data

    return make


def _seeded_splits(data: Path) -> list[tuple[Path, str, str]]:
    """(file, class, split) for every image, split per class (seeded): 70% train, 15% validation, 15% test."""
    rng = np.random.default_rng(0)
    rows = []
    for class_folder in _class_folders(data):
        files = sorted(class_folder.iterdir())
        held = round(0.15 * len(files))
        for rank, index in enumerate(rng.permutation(len(files))):
            split = "test" if rank < held else "val" if rank < 2 * held else "train"
            rows.append((files[index], class_folder.name, split))
    return rows


def labels_misaligned_in_training(classes: tuple[str, ...] | None = None, per_class: int | None = None) -> Transform:
    """TheDeepChecker's wrong_labels (pitfall SO 41864333, 'unaligned labels and features'): the training loader
    shuffles the images but not their labels, so after the first epoch no training image keeps its own label; the
    test loader is untouched. Written as a manifest whose training rows carry a permutation of the training labels
    (seeded), validation and test rows their true labels. Splits per class: 70% train, 15% validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes, per_class)
        rows = _seeded_splits(data)
        train = [index for index, (_, _, split) in enumerate(rows) if split == "train"]
        shuffled = np.random.default_rng(1).permutation([rows[index][1] for index in train])
        labels = [label for _, label, _ in rows]
        for index, label in zip(train, shuffled):
            labels[index] = str(label)
        return _write_manifest(
            data, [f"{path.relative_to(data)},{label},{split}" for (path, _, split), label in zip(rows, labels)]
        )

    return make


def unbalanced(kept: dict[str, float], minimum: int = 5) -> Transform:
    """TheDeepChecker's unbalanced_data (baseCNN_unb_data.py): only a share of some classes' images is kept (the
    program keeps 1%, 1%, 2%, 3%, 4% and 5% of classes 0-5 and all of classes 6-9). At least `minimum` images of a
    class are kept, so that every split can still hold some."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        for name, share in kept.items():
            files = sorted((data / name).iterdir())
            for file in files[max(minimum, round(share * len(files))) :]:
                file.unlink()
        return data

    return make
