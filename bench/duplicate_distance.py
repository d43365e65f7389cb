"""Calibrating the pixel check of duplicate claims on real data: Fashion-MNIST's 70,000 photos.

validate's candidate search groups images by perceptual hash; this measures, for every pair sharing a hash,
the mean absolute pixel difference (0-255) of the 16x16 thumbnails validate keeps and of the full 28x28
images, next to the distance from test images to their nearest training image, and to exact copies
re-encoded as JPEG (a real duplicate that is not byte-identical).

Run: .venv/bin/python bench/duplicate_distance.py   (about 2 minutes on 2 cores; needs dataset-fashion-mnist)
"""

from __future__ import annotations

import io
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cnn_doctor.data.decoding import _perceptual_hash, thumbnail  # noqa: E402
from cnn_doctor.data.fashion_mnist import read_split  # noqa: E402


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def quantiles(values) -> dict:
    values = np.asarray(values, dtype=float)
    if not len(values):
        return {"n": 0}
    picks = {"min": 0, "p5": 5, "p25": 25, "median": 50, "p75": 75, "p95": 95, "max": 100}
    return {"n": int(len(values)), **{k: round(float(np.percentile(values, q)), 2) for k, q in picks.items()}}


def main() -> None:
    started = time.perf_counter()
    train, _ = read_split("train")
    test, _ = read_split("test")
    images = np.concatenate([train, test])
    grays = [Image.fromarray(image) for image in images]
    hashes = [_perceptual_hash(gray) for gray in grays]
    thumbs = np.stack([thumbnail(gray) for gray in grays])
    groups: dict[str, list[int]] = {}
    for index, value in enumerate(hashes):
        groups.setdefault(value, []).append(index)
    pairs = [pair for members in groups.values() if len(members) > 1 for pair in itertools.combinations(members, 2)]
    same_hash_thumb = [mad(thumbs[a], thumbs[b]) for a, b in pairs]
    same_hash_full = [mad(images[a], images[b]) for a, b in pairs]
    rng = np.random.default_rng(0)
    sample = rng.choice(len(test), 300, replace=False)
    train_thumbs = thumbs[: len(train)].astype(np.float32)
    nearest = [float(np.abs(train_thumbs - thumbs[len(train) + i]).mean(axis=1).min()) for i in sample]
    reencoded = []
    for index in rng.choice(len(images), 300, replace=False):
        buffer = io.BytesIO()
        grays[index].save(buffer, "JPEG", quality=75)
        copy = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
        reencoded.append(mad(thumbs[index], thumbnail(copy)))
    result = {
        "images": len(images),
        "hash_groups_with_copies": sum(len(m) > 1 for m in groups.values()),
        "same_hash_pairs_thumbnail_mad": quantiles(same_hash_thumb),
        "same_hash_pairs_full_mad": quantiles(same_hash_full),
        "same_hash_pairs_full_mad_below_2": int(np.sum(np.asarray(same_hash_full) < 2)),
        "test_to_nearest_train_thumbnail_mad": quantiles(nearest),
        "jpeg_q75_copy_thumbnail_mad": quantiles(reencoded),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
