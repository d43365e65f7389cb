"""Progress bars on a terminal, silence in logs and CI."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

Item = TypeVar("Item")


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def progress(items: Iterable[Item], description: str, total: int | None = None) -> Iterator[Item]:
    """Wrap an iterable in a tqdm bar when a person is watching; otherwise iterate plainly."""
    if not interactive():
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, desc=description, total=total, leave=False)
