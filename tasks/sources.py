"""Reading a dataset source: a folder of class folders, or a CSV manifest; and the bundled digits."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn_doctor.config import UserError

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Entry:
    """One image the source names: its path as the user spelled it, relative to the dataset root."""

    path: str
    label: str
    split: str = ""
    problem: str = ""  # "missing" or "outside_root" when the file cannot be used at all


@dataclass(frozen=True)
class Source:
    root: Path
    entries: tuple[Entry, ...]
    classes: tuple[str, ...]
    kind: str  # "folder" or "manifest"

    def absolute(self, entry: Entry) -> Path:
        return self.root / entry.path


def read_source(location: Path) -> Source:
    """Read a dataset source, whichever its kind."""
    if location.is_dir():
        return read_folder(location)
    if location.is_file() and location.suffix.lower() == ".csv":
        return read_manifest(location)
    if not location.exists():
        raise UserError(f"data source {location} does not exist")
    raise UserError(f"data source {location} must be a folder of class folders or a .csv manifest")


def read_folder(root: Path) -> Source:
    """One subfolder per class; images anywhere below it (hidden files are skipped)."""
    class_folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_folders:
        raise UserError(f"data folder {root} has no class folders: put each class's images in a subfolder")
    entries = []
    for folder in class_folders:
        for path in sorted(_walk_images(folder)):
            entries.append(Entry(path=path.relative_to(root).as_posix(), label=folder.name))
    return Source(root=root, entries=tuple(entries), classes=tuple(p.name for p in class_folders), kind="folder")


def _walk_images(folder: Path) -> list[Path]:
    images = []
    for path in folder.rglob("*"):
        relative_parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in relative_parts):
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES and (path.is_file() or not path.exists()):
            images.append(path)
    return images


def read_manifest(manifest: Path) -> Source:
    """A CSV with columns path,label and optionally split; paths relative to the manifest's folder."""
    root = manifest.parent
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"manifest {manifest} is not UTF-8 text")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in ("path", "label") if name not in columns]
    if missing:
        raise UserError(f"manifest {manifest} lacks column(s) {', '.join(missing)}: expected path,label[,split]")
    entries = []
    for line_number, row in enumerate(reader, start=2):
        row = {(key or "").strip(): (value or "").strip() for key, value in row.items() if key is not None}
        split = row.get("split", "").lower()
        if split and split not in SPLITS:
            raise UserError(
                f"manifest {manifest} line {line_number}: split {row.get('split')!r} is not one of {', '.join(SPLITS)}"
            )
        entries.append(Entry(path=row["path"], label=row["label"], split=split, problem=_path_problem(root, row["path"])))
    if not entries:
        raise UserError(f"manifest {manifest} has no rows")
    classes = tuple(sorted({entry.label for entry in entries if entry.label}))
    return Source(root=root, entries=tuple(entries), classes=classes, kind="manifest")


def _path_problem(root: Path, relative: str) -> str:
    if not relative:
        return "missing"
    candidate = Path(relative)
    if candidate.is_absolute() or not (root / candidate).resolve().is_relative_to(root.resolve()):
        return "outside_root"
    if not (root / candidate).is_file():
        return "missing"
    return ""


def write_digits(folder: Path) -> Path:
    """Write scikit-learn's bundled digits (1,797 scanned 8x8 images) as PNGs in class folders, once."""
    from PIL import Image
    from sklearn.datasets import load_digits

    if (folder / "9").is_dir():
        return folder
    digits = load_digits()
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    scratch = folder.with_name(f".{folder.name}.tmp")
    for index, (image, label) in enumerate(zip(pixels, digits.target)):
        class_folder = scratch / str(label)
        class_folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(class_folder / f"digit_{index:04d}.png")
    scratch.rename(folder)
    return folder
