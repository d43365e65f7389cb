"""Helpers the tests share (fixtures are in conftest.py): fast params, copies of data and project, digests."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

from cnn_doctor.config import DEFAULT_PARAMS_FILE
from cnn_doctor.zoo import FAST, copy_digits  # noqa: F401 (the tests' helpers, shared with bench/)

PROJECT_ROOT = DEFAULT_PARAMS_FILE.parent


def serious(findings: dict[str, dict]) -> dict[str, dict]:
    """The critical and warning findings of a findings-by-id mapping (a healthy run has none)."""
    return {key: finding for key, finding in findings.items() if finding["severity"] in ("critical", "warning")}


def copy_project(target: Path) -> Path:
    """The project's files (tracked and new, not ignored) copied to `target`: a checkout without its history."""
    import subprocess

    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in files:
        if (PROJECT_ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, target / name)
    return target


def with_fast_params(params: dict, *extra: str) -> dict:
    """A raw params mapping with the FAST overrides (and `extra` ones) applied, for a params file on disk."""
    import yaml

    for override in (*FAST, *extra):
        key, value = override.split("=")
        section, name = key.split(".")
        params[section][name] = yaml.safe_load(value)
    return params


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file and link under a folder with its content hash: to prove the user's data is untouched."""
    digest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            digest[str(path.relative_to(folder))] = "link:" + os.readlink(path)
        elif path.is_file():
            digest[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest


def random_png(path: Path, seed: int, size: int = 8) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)
    Image.fromarray(pixels, mode="L").save(path)
