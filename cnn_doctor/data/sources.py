"""Reading a dataset source: a folder of class folders, or a CSV manifest; and the bundled digits."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from cnn_doctor.config import UserError
from cnn_doctor.layout import digest_files

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"})
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Entry:
    """One image the source names: its path as the user spelled it, relative to the dataset root."""

    path: str
    label: str
    split: str = ""
    # why the file cannot be used at all: "missing", "outside_root" (absolute, `..` or a link leaving the root),
    # "symlink_loop", "not_a_file" (a folder, a device, a pipe) or "unreadable" (a folder without permission)
    problem: str = ""


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


def fingerprint_source(source: Source) -> str:
    """Content digest of the dataset: the manifest file (if any) and every file it names."""
    files = [
        source.absolute(entry) for entry in source.entries if not entry.problem and source.absolute(entry).is_file()
    ]
    described = json.dumps([[e.path, e.label, e.split, e.problem] for e in source.entries]).encode()
    return hashlib.blake2b(described + digest_files(files, source.root).encode(), digest_size=16).hexdigest()


def read_folder(root: Path) -> Source:
    """One subfolder per class; images anywhere below it.

    Hidden files and folders (`.DS_Store`, `._x.jpg`, `.git`) are skipped silently; so are files without an
    image suffix (`Thumbs.db`, `notes.txt`). Symbolic links are followed only while they stay inside the dataset
    root: a link leaving it is listed as `outside_root`, a dangling link as `missing`, a loop as `symlink_loop`.
    Images lying directly in the root (in no class folder) are listed with an empty label, so none is lost.
    """
    real_root = root.resolve()
    try:
        tops = sorted((p for p in root.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)
    except OSError as error:
        raise UserError(f"data folder {root} cannot be read: {error.strerror or error}") from None
    class_folders = [p for p in tops if p.is_dir()]
    if not class_folders:
        raise UserError(f"data folder {root} has no class folders: put each class's images in a subfolder")
    entries = []
    for folder in class_folders:
        label = folder.name
        problem = _link_problem(folder, real_root)
        if problem:
            entries.append(Entry(path=folder.relative_to(root).as_posix(), label=label, problem=problem))
            continue
        for path, problem in _walk_images(folder, real_root):
            entries.append(Entry(path=path.relative_to(root).as_posix(), label=label, problem=problem))
    for path in tops:  # loose images: no class folder gives them a label
        if not path.is_dir() and path.suffix.lower() in IMAGE_SUFFIXES:
            entries.append(Entry(path=path.name, label="", problem=_file_problem(path, real_root)))
    return Source(root=root, entries=tuple(entries), classes=tuple(p.name for p in class_folders), kind="folder")


def _walk_images(folder: Path, real_root: Path) -> list[tuple[Path, str]]:
    """Image files below a class folder (sorted), each with its problem; never loops, never leaves the root."""
    found, pending, seen = [], [folder], {real_root, folder.resolve()}  # a link back to these would repeat them
    while pending:
        directory = pending.pop()
        try:
            children = sorted(directory.iterdir(), key=lambda p: p.name)
        except OSError:
            found.append((directory, "unreadable"))  # listed, so no image is lost without a word
            continue
        for path in children:
            if path.name.startswith("."):
                continue
            problem = _link_problem(path, real_root)
            if problem:  # a link leaving the root (file or folder) or a broken link to an image is listed
                if path.suffix.lower() in IMAGE_SUFFIXES or (problem == "outside_root" and path.is_dir()):
                    found.append((path, problem))
            elif path.is_dir():
                real = path.resolve()
                if real not in seen:  # a link to a folder already walked (a loop) is not followed again
                    seen.add(real)
                    pending.append(path)
            elif path.suffix.lower() in IMAGE_SUFFIXES:
                found.append((path, _file_problem(path, real_root)))
    return sorted(found)


def _link_problem(path: Path, real_root: Path) -> str:
    """For a symbolic link: why following it is not allowed ("" when it stays inside the root)."""
    if not path.is_symlink():
        return ""
    try:
        target = path.resolve(strict=True)
    except RuntimeError:
        return "symlink_loop"
    except OSError:
        return "missing"
    return "" if target.is_relative_to(real_root) else "outside_root"


def _file_problem(path: Path, real_root: Path) -> str:
    """Why a path cannot be read as an image file ("" when it is a regular file inside the root)."""
    try:
        if not path.resolve(strict=True).is_relative_to(real_root):
            return "outside_root"
        return "" if stat.S_ISREG(path.stat().st_mode) else "not_a_file"
    except RuntimeError:
        return "symlink_loop"
    except (OSError, ValueError):
        return "missing"


def read_manifest(manifest: Path) -> Source:
    """A CSV with columns path,label and optionally split; paths relative to the manifest's folder.

    Accepts a UTF-8 byte-order mark, Windows line endings and any case in the header (`Path,Label`).
    Every other problem is a `UserError` naming the manifest (and the line), never a crash.
    """
    root = manifest.parent
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"manifest {manifest} is not UTF-8 text") from None
    except OSError as error:
        raise UserError(f"manifest {manifest} cannot be read: {error.strerror or error}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # a stray quote is an error, not merged rows
    try:
        header = next(reader, None) or []
        columns = [name.strip().lower() for name in header]
        missing = [name for name in ("path", "label") if name not in columns]
        if missing:
            found = ", ".join(repr(name) for name in header[:5]) or "none"
            raise UserError(
                f"manifest {manifest} lacks column(s) {', '.join(missing)}: expected path,label[,split] "
                f"(found {found}; the separator must be a comma)"[:300]
            )
        where = {name: columns.index(name) for name in ("path", "label", "split") if name in columns}
        entries = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            cells = {name: row[index].strip() if index < len(row) else "" for name, index in where.items()}
            split = cells.get("split", "").lower()
            if split and split not in SPLITS:
                raise UserError(
                    f"manifest {manifest} line {reader.line_num}: split {cells['split'][:40]!r} "
                    f"is not one of {', '.join(SPLITS)}"
                )
            entries.append(
                Entry(path=cells["path"], label=cells["label"], split=split, problem=_path_problem(root, cells["path"]))
            )
    except csv.Error as error:
        raise UserError(f"manifest {manifest} line {reader.line_num}: not valid CSV ({error})") from None
    if not entries:
        raise UserError(f"manifest {manifest} has no rows")
    classes = tuple(sorted({entry.label for entry in entries if entry.label}))
    return Source(root=root, entries=tuple(entries), classes=classes, kind="manifest")


def _path_problem(root: Path, relative: str) -> str:
    """Why a manifest path cannot be used ("" when it names a regular file inside the root)."""
    if not relative or "\0" in relative:
        return "missing"
    candidate = Path(relative)
    if candidate.is_absolute():
        return "outside_root"
    try:
        if not (root / candidate).resolve().is_relative_to(root.resolve()):
            return "outside_root"  # `..` or a link leading out of the dataset
    except RuntimeError:
        return "symlink_loop"
    except (OSError, ValueError):
        return "missing"
    return _file_problem(root / candidate, root.resolve())


class ImageTooLarge(ValueError):
    """An image with more pixels than Pillow's decompression-bomb limit (`PIL.Image.MAX_IMAGE_PIXELS`)."""


_SIXTEEN_BIT_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def decode_image(path: Path) -> Image.Image:
    """Decode an image the way every stage sees it: 8-bit "L" (grayscale) or "RGB".

    The EXIF orientation is applied (photos come out upright), 16-bit grayscale is scaled to 8 bits, palette
    (P), RGBA/LA (alpha dropped), CMYK and other colour modes become RGB. The format is read from the content,
    not the suffix (a PNG named .jpg is fine). An image above Pillow's decompression-bomb limit raises
    `ImageTooLarge` before its pixels are decoded; any other undecodable file raises Pillow's own error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as opened:
                opened.load()
                image = _upright(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageTooLarge(f"image too large, a possible decompression bomb: {error}"[:160]) from None
    if image.mode in _SIXTEEN_BIT_MODES:
        image = image.point(lambda value: value / 256).convert("L")
    elif image.mode in ("1", "LA", "La", "F"):
        image = image.convert("L")
    elif image.mode != "L":
        if image.mode == "P" and "transparency" in image.info:
            image = image.convert("RGBA")  # what Pillow asks for before dropping a palette's transparency
        image = image.convert("RGB")
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a broken EXIF block leaves the image as stored rather than failing it."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image.copy()


def write_digits(folder: Path) -> Path:
    """Write scikit-learn's bundled digits (1,797 scanned 8x8 images) as PNGs in class folders, once."""
    if (folder / "9").is_dir():
        return folder
    from sklearn.datasets import load_digits  # 2 s of imports: only when the digits are written

    digits = load_digits()
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    scratch = folder.with_name(f".{folder.name}.tmp")
    for index, (image, label) in enumerate(zip(pixels, digits.target)):
        class_folder = scratch / str(label)
        class_folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(class_folder / f"digit_{index:04d}.png")
    scratch.rename(folder)
    return folder
