"""Run one stage outside Prefect (what `dvc repro` calls): the same task functions, through `.fn`."""

from __future__ import annotations

from pathlib import Path

from cnn_doctor.config import UserError
from cnn_doctor.layout import Layout, read_json, stage_digest
from cnn_doctor.orchestration import resolve_run
from cnn_doctor.report import write_report


def upstream(layout: Layout, stage: str) -> dict:
    """A completed stage's summary and digest, as the flow would pass it downstream."""
    summary_path = layout.summary(stage)
    summary = read_json(summary_path) if summary_path.is_file() else {"stage": stage}
    return {**summary, "digest": stage_digest(layout, stage)}


def run_stage(name: str, params_file: str | None) -> str:
    """Run stage `name` with the params file's data and output folder; returns "gated" or "done"."""
    from tasks import augment, evaluate, preprocess, train, validate

    params_path = Path(params_file or "params.yaml")  # like DVC: the params.yaml of the current folder
    if not params_path.is_file():
        raise UserError(f"{params_path} not found: run from the folder holding params.yaml, or pass --params")
    params, data_path, layout = resolve_run(str(params_path), [], None, None)
    with layout.lock():  # `dvc repro` and `cnn-doctor run` never write one folder at once
        if name == "validate":
            result = validate.validate.fn(data_path, "", params.validate_params, layout)
            if result["gated_by"]:
                write_report(layout, ("validate",))
                return "gated"
        elif name == "preprocess":
            preprocess.preprocess.fn(upstream(layout, "validate"), params.preprocess, layout)
        elif name == "augment":
            augment.augment.fn(upstream(layout, "preprocess"), params.augment, layout)
        elif name == "train":
            result = train.train.fn(
                upstream(layout, "preprocess"),
                upstream(layout, "augment"),
                params.model,
                params.train,
                params.diagnose,
                layout,
            )
            if result["stopped_by"]:
                write_report(layout, ("validate", "train"))
                return "gated"
        elif name == "evaluate":
            evaluate.evaluate.fn([], params.evaluate, layout)
    return "done"
