"""What each stage hands the next: a small frozen record of its outputs' digest and what downstream uses.

A stage receives the records of the stages it depends on and never opens their files itself; heavy outputs
(the manifest, shards, the model) are read through `Layout`. Under Prefect the records travel between tasks;
under `dvc repro` (one stage per process) `load_record` reads them back from the completed stage folder.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from cnn_doctor.layout import Layout, read_json, stage_digest

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Validated:
    """validate: where the images are, their classes, and the findings that stop the run (if any)."""

    source: str
    classes: tuple[str, ...]
    gated_by: tuple[str, ...]
    digest: str = ""

    @property
    def stops_run(self) -> bool:
        return bool(self.gated_by)


@dataclass(frozen=True)
class Prepared:
    """preprocess: the shards of each split, their image shape, and the training split's pixel moments."""

    classes: tuple[str, ...]
    image_shape: tuple[int, ...]
    normalize: str
    mean: tuple[float, ...]
    variance: tuple[float, ...]
    shards: dict[str, tuple[str, ...]]  # split -> shard names in the preprocess folder
    counts: dict[str, int]  # split -> images
    digest: str = ""

    @property
    def evaluated_split(self) -> str:
        """The split evaluate scores: test, else validation, else training."""
        return next(split for split in ("test", "val", "train") if self.shards[split])


@dataclass(frozen=True)
class Augmented:
    """augment: the online transforms and the balancing copies written for minority classes."""

    enabled: bool
    transforms: dict[str, Any]
    seed: int
    extra_shards: tuple[str, ...]  # shard names in the augment folder
    extra_counts: dict[str, int]
    digest: str = ""

    @property
    def transforms_online(self) -> bool:
        return bool(self.enabled and self.transforms)


@dataclass(frozen=True)
class Trained:
    """train: whether a model was written, or which finding stopped the run before a training step, and whether
    the network outputs logits (its loss says `from_logits=True`)."""

    stopped_by: str | None
    outputs_are_logits: bool = False
    digest: str = ""

    @property
    def stops_run(self) -> bool:
        return self.stopped_by is not None


@dataclass(frozen=True)
class Evaluated:
    """evaluate: the score on the evaluated split."""

    test_accuracy: float
    digest: str = ""


RECORD_TYPES = {
    "validate": Validated,
    "preprocess": Prepared,
    "augment": Augmented,
    "train": Trained,
    "evaluate": Evaluated,
}


def _frozen(value: Any) -> Any:
    """JSON's lists back as tuples (also inside a dict of shards): records are frozen."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    return value


def load_record(layout: Layout, stage: str):
    """Read back the record of a completed stage (what `dvc repro` passes between its processes)."""
    payload = read_json(layout.record(stage))
    return RECORD_TYPES[stage](
        **{key: _frozen(value) for key, value in payload.items()}, digest=stage_digest(layout, stage)
    )


def record_payload(record) -> dict:
    """What a stage writes as its record file: every field but the digest (that is computed from the files)."""
    return {field.name: getattr(record, field.name) for field in fields(record) if field.name != "digest"}


def completed(record, layout: Layout, stage: str):
    """The record of a stage whose outputs are now in place, with their digest."""
    return replace(record, digest=stage_digest(layout, stage))
