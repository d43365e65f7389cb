"""The one pipeline runner: the five stages in order, the gates that stop a run, and the report.

The Prefect flow, the DVC stage command and the tests all run the pipeline through `run_pipeline`; they
differ only in how a stage is called (`Calls`): as Prefect tasks with retries and caching, or as plain
functions. Each stage gets the records (`cnn_doctor.records`) of the stages it depends on: from this
process when they ran here, else read back from their completed folders (`dvc repro` runs one per process).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cnn_doctor.config import Params
from cnn_doctor.layout import STAGES, Layout
from cnn_doctor.orchestration import as_stage
from cnn_doctor.records import load_record
from cnn_doctor.report import write_report
from tasks.augment import augment
from tasks.evaluate import evaluate
from tasks.preprocess import preprocess
from tasks.publish import write_report_task
from tasks.train import train
from tasks.validate import validate

STAGE_TASKS = (validate, preprocess, augment, train, evaluate)
TASKS = {task.name: task for task in STAGE_TASKS}


@dataclass(frozen=True)
class Calls:
    """How the runner calls a stage (by name) and writes the report (of the stages run so far)."""

    stage: Callable[[str], Callable]
    report: Callable[[Layout, tuple[str, ...]], dict]


PLAIN_CALLS = Calls(stage=lambda name: TASKS[name].fn, report=write_report)


def prefect_calls(layout: Layout, params: Params) -> Calls:
    """Stages as Prefect tasks (retries from params, a cache that trusts only complete outputs)."""
    return Calls(stage=lambda name: as_stage(TASKS[name], layout, params.flow), report=write_report_task)


@dataclass(frozen=True)
class Outcome:
    """Where the pipeline stopped (None: it ran through) and the report written, if any."""

    stopped_at: str | None
    report: dict | None


def run_pipeline(
    calls: Calls, params: Params, data: Path, fingerprint: str, layout: Layout, stages: tuple[str, ...] = STAGES
) -> Outcome:
    """Run `stages` in order; stop at a gate with the report of the stages so far; after evaluate, the report."""
    records = {}

    def record(stage: str):
        return records[stage] if stage in records else load_record(layout, stage)

    inputs = {
        "validate": lambda: (data, fingerprint, params.validate_params, layout),
        "preprocess": lambda: (record("validate"), params.preprocess, layout),
        "augment": lambda: (record("preprocess"), params.augment, layout),
        "train": lambda: (record("preprocess"), record("augment"), params.model, params.train, params.diagnose, layout),
        "evaluate": lambda: (record("validate"), record("preprocess"), record("train"), params.evaluate, layout),
    }
    for stage in stages:
        records[stage] = calls.stage(stage)(*inputs[stage]())
        if getattr(records[stage], "stops_run", False):
            return Outcome(stage, calls.report(layout, STAGES[: STAGES.index(stage) + 1]))
    return Outcome(None, calls.report(layout, STAGES) if stages[-1] == STAGES[-1] else None)
