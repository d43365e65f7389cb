"""Run one stage outside Prefect (what `dvc repro` calls): the pipeline runner, limited to that stage."""

from __future__ import annotations

from pathlib import Path

from cnn_doctor.config import UserError
from cnn_doctor.orchestration import resolve_run


def run_stage(name: str, params_file: str | None) -> str:
    """Run stage `name` with the params file's data and output folder; returns "gated" or "done"."""
    from flows.pipeline import PLAIN_CALLS, run_pipeline

    params_path = Path(params_file or "params.yaml")  # like DVC: the params.yaml of the current folder
    if not params_path.is_file():
        raise UserError(f"{params_path} not found: run from the folder holding params.yaml, or pass --params")
    run = resolve_run(str(params_path), [], None, None)
    with run.layout.lock():  # `dvc repro` and `cnn-doctor run` never write one folder at once
        outcome = run_pipeline(PLAIN_CALLS, run.params, run.data, "", run.layout, stages=(name,))
    return "gated" if outcome.stopped_at else "done"
