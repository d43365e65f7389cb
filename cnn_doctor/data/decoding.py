"""Decoding images one chunk at a time, for validate's inspection and preprocess's resizing.

Kept light (NumPy, Pillow, imagehash; no Prefect, pandas or TensorFlow) because worker processes import it:
chunks of a large dataset run in parallel (`cnn_doctor.parallel.map_chunks`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from cnn_doctor.data.sources import Entry, decode_image

# the small views of each image the doctor compares: thumbnails (duplicates, the linear label model) and the
# CNN label model's views
THUMBNAIL_SIDE = 16
LABEL_VIEW_SIDE = 28


def thumbnail(gray_image) -> np.ndarray:
    """The small grayscale view the duplicate search and the linear label model see."""
    return _resized(gray_image, THUMBNAIL_SIDE).reshape(-1)


def label_view(gray_image) -> np.ndarray:
    """The grayscale view the CNN label model sees (LABEL_VIEW_SIDE square)."""
    return _resized(gray_image, LABEL_VIEW_SIDE)


def _resized(gray_image, side: int) -> np.ndarray:
    resized = gray_image.resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8)




def inspect_image(path: Path) -> tuple[dict, np.ndarray | None, np.ndarray | None]:
    """Decode one image fully, describe it and return its thumbnail (for duplicates) and label view (for the
    label-error search); an undecodable file gets `decode_error` and neither.

    The image is decoded exactly as preprocess will decode it (`cnn_doctor.data.sources.decode_image`: upright, 8-bit
    L or RGB), so what is checked here is what is trained on; `mode` keeps the file's own mode.
    """
    record: dict = {
        "bytes": None,
        "width": None,
        "height": None,
        "mode": None,
        "channels": None,
        "content_hash": None,
        "perceptual_hash": None,
        "pixel_std": None,
        "decode_error": None,
    }
    small = view = None
    try:
        record["bytes"] = path.stat().st_size
        image = decode_image(path)
        with Image.open(path) as stored:  # the header only: the file's own mode (I;16, P, CMYK...)
            record["mode"] = stored.mode
        gray = image.convert("L")
        record.update(width=image.width, height=image.height, channels=len(image.getbands()))
        record["content_hash"] = hashlib.blake2b(
            f"{image.mode}{image.size}".encode() + image.tobytes(), digest_size=16
        ).hexdigest()
        record["perceptual_hash"] = _perceptual_hash(gray)
        record["pixel_std"] = float(np.asarray(gray, dtype=np.float32).std())
        small, view = thumbnail(gray), label_view(gray)
    except Exception as error:  # any decoder failure means "corrupt": report it, never crash
        record["decode_error"] = f"{type(error).__name__}: {error}"[:200]
    return record, small, view


def _perceptual_hash(gray: Image.Image) -> str:
    import imagehash

    return str(imagehash.phash(gray))


def inspect_chunk(entries: list[Entry], root: Path) -> tuple[list[dict], list, list]:
    """Inspect one chunk of the source's entries: a manifest row, a thumbnail and a label view each."""
    rows, thumbnails, views = [], [], []
    for entry in entries:
        record, small, view = inspect_image(root / entry.path) if not entry.problem else ({}, None, None)
        rows.append(
            {
                "path": entry.path,
                "label": entry.label or None,
                "split": entry.split or None,
                "path_problem": entry.problem or None,
                **record,
            }
        )
        thumbnails.append(small)
        views.append(view)
    return rows, thumbnails, views


def load_image(path: Path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Decode as validate did (upright, 8-bit), convert to the channel count, resize to (height, width)."""
    image = decode_image(path).convert("L" if channels == 1 else "RGB")
    array = np.asarray(image.resize((size[1], size[0]), Image.Resampling.BILINEAR), dtype=np.uint8)
    return array[..., None] if channels == 1 else array


def load_chunk(paths: list[str], root: Path, size: tuple[int, int], channels: int) -> np.ndarray:
    """Decode and resize one chunk of images into a uint8 array."""
    return np.stack([load_image(root / path, size, channels) for path in paths])
