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


# ------------------------------------------------------------------------------------------------- held3
def _training_rows_by_class(rows: list[tuple[Path, str, str]]) -> dict[str, list[int]]:
    """The indices of the training rows of each class, in row order."""
    by_class: dict[str, list[int]] = {}
    for index, (_, label, split) in enumerate(rows):
        if split == "train":
            by_class.setdefault(label, []).append(index)
    return by_class


def _without_rows(data: Path, rows: list[tuple[Path, str, str]], dropped: set[int]) -> Path:
    """The manifest of `rows` less the `dropped` ones, whose files are deleted."""
    for index in dropped:
        rows[index][0].unlink()
    return _write_manifest(
        data,
        [
            f"{path.relative_to(data)},{label},{split}"
            for i, (path, label, split) in enumerate(rows)
            if i not in dropped
        ],
    )


def training_images_deleted(share: float, classes: tuple[str, ...] | None = None) -> Transform:
    """DeepCrime's delete_training_data (operator_delete_training_data): `share` of every class's training images
    deleted at random (seeded); the validation and test images are untouched. Splits per class: 70% train, 15%
    validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes)
        rows = _seeded_splits(data)
        rng = np.random.default_rng(2)
        dropped = set()
        for indices in _training_rows_by_class(rows).values():
            chosen = rng.choice(len(indices), size=int(len(indices) * share), replace=False)
            dropped.update(indices[i] for i in chosen)
        return _without_rows(data, rows, dropped)

    return make


def training_classes_unbalanced(share: float) -> Transform:
    """DeepCrime's unbalance_train_data (unbalance_training_data): every class with fewer training images than the
    classes' mean count loses `share` of its training images (seeded); the validation and test images are untouched.
    Splits per class: 70% train, 15% validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        rows = _seeded_splits(data)
        by_class = _training_rows_by_class(rows)
        mean = np.mean([len(indices) for indices in by_class.values()])
        rng = np.random.default_rng(3)
        dropped = set()
        for indices in by_class.values():
            if len(indices) < mean:
                chosen = rng.choice(len(indices), size=int(len(indices) * share), replace=False)
                dropped.update(indices[i] for i in chosen)
        return _without_rows(data, rows, dropped)

    return make


def training_images_noisy(share: float) -> Transform:
    """DeepCrime's add_noise (operator_add_noise_to_training_data): `share` of the training images (seeded) get
    Gaussian noise whose standard deviation is `share` times the image's own pixel standard deviation (clipped to
    0-255 to be written as PNG); the validation and test images stay clean. Splits per class: 70% train, 15%
    validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        rows = _seeded_splits(data)
        train = [index for index, (_, _, split) in enumerate(rows) if split == "train"]
        rng = np.random.default_rng(4)
        for index in sorted(rng.choice(len(train), size=int(len(train) * share), replace=False)):
            path = rows[train[index]][0]
            pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
            noisy = pixels + rng.normal(0.0, pixels.std() * share, pixels.shape)
            Image.fromarray(np.clip(np.round(noisy), 0, 255).astype(np.uint8), "L").save(path)
        return _write_manifest(data, [f"{path.relative_to(data)},{label},{split}" for path, label, split in rows])

    return make


def validation_from_training(count: int = 100) -> Transform:
    """UMLAUT's user_eval/eval_b.py: validation_data=(train_images[:100], train_labels[:100]): the validation images
    are copies of the first `count` training images (in the seeded order), so validation measures images the network
    trains on; the test images are held out. Splits per class: 70% train, 15% test (the validation rows are dropped
    and replaced by the copies)."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data")
        rows = _seeded_splits(data)
        dropped = {index for index, (_, _, split) in enumerate(rows) if split == "val"}
        for index in dropped:
            rows[index][0].unlink()
        kept = [row for index, row in enumerate(rows) if index not in dropped]
        order = np.random.default_rng(5).permutation(
            [index for index, (_, _, split) in enumerate(kept) if split == "train"]
        )
        copies = []
        for index in order[:count]:
            path, label, _ = kept[index]
            copy = path.with_name(f"valcopy-{path.name}")
            shutil.copy(path, copy)
            copies.append((copy, label, "val"))
        return _write_manifest(
            data, [f"{path.relative_to(data)},{label},{split}" for path, label, split in kept + copies]
        )

    return make


# ------------------------------------------------------------------------------------------------- held5
def _saturated(path: Path) -> None:
    """The image as a network trained on 0-1 pixels sees it unscaled: every non-zero pixel at full scale."""
    pixels = np.asarray(Image.open(path).convert("L"))
    Image.fromarray(np.where(pixels > 0, 255, 0).astype(np.uint8), "L").save(path)


def held_out_pixels_unscaled(classes: tuple[str, ...] | None = None) -> Transform:
    """getcrest/All-Conv-Keras allconv.py (0f42d91): the training images are divided by 255 twice (X_train /= 255
    and the generator's rescale=1./255), the validation images (validation_data=(X_test, Y_test)) once: held-out
    pixels 255 times brighter than the training pixels the network learnt. cnn-doctor scales every split the same
    way, so the validation and test images are written as a network trained on 0-1 pixels sees raw ones: every
    non-zero pixel at full scale (as test_pixels_unscaled does for the test split alone). Splits per class
    (seeded): 70% train, 15% validation, 15% test."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes)
        rows = _seeded_splits(data)
        for path, _, split in rows:
            if split != "train":
                _saturated(path)
        return _write_manifest(data, [f"{path.relative_to(data)},{label},{split}" for path, label, split in rows])

    return make


def pixels_floor_divided(classes: tuple[str, ...] | None = None) -> Transform:
    """Keras issue #255: 'when normalizing each pixel to [0, 1], the array was still int, and each pixel became 0':
    an integer array divided by 255 keeps 1 where a pixel was 255 and 0 everywhere else. Every image (all splits,
    the loader's fault) is written as the network receives it: 255 where the pixel was 255, else 0."""

    def make(folder: Path, source: Path) -> Path:
        data = copy_classes(source, folder / "data", classes)
        for class_folder in _class_folders(data):
            for path in sorted(class_folder.iterdir()):
                pixels = np.asarray(Image.open(path).convert("L"))
                Image.fromarray(np.where(pixels == 255, 255, 0).astype(np.uint8), "L").save(path)
        return data

    return make
