"""How a stage runs under Prefect: retries from params, and a cache that trusts only complete outputs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cnn_doctor.config import DEFAULT_PARAMS_FILE, DataParams, FlowParams, Params, UserError, load_params
from cnn_doctor.layout import STAGES, Layout

if TYPE_CHECKING:  # Prefect itself is imported only where a flow runs: a no-op run never needs it
    from prefect import Task

# Mistakes in the user's input fail the same way every time: retrying them only delays the message. So do
# programming errors (a user's custom layer or loss raising TypeError, say): a retry is for what can pass on a
# second try (a full disk, a lost connection, a killed worker).
NOT_RETRIED = (UserError, TypeError, ValueError, AttributeError, NotImplementedError, KeyError, IndexError)


class _NoTracebackForUserErrors(logging.Filter):
    """Prefect logs a failed task or flow with its traceback; a mistake in the user's input needs only its line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], NOT_RETRIED):
            record.exc_info, record.exc_text = None, None
        return True


for _name in ("prefect.task_runs", "prefect.flow_runs"):
    logging.getLogger(_name).addFilter(_NoTracebackForUserErrors())


def _retry_unless_user_error(task, task_run, state) -> bool:
    try:
        state.result(raise_on_failure=True)
    except NOT_RETRIED:
        return False
    except Exception:
        return True
    return True


def as_stage(task: Task, layout: Layout, flow_params: FlowParams) -> Task:
    """Configure a stage task: its retries, and a fresh run when its outputs are missing or incomplete."""
    stage = task.name
    return task.with_options(
        retries=flow_params.retries,
        retry_delay_seconds=flow_params.retry_delay_seconds,
        retry_condition_fn=_retry_unless_user_error,
        refresh_cache=stage in STAGES and not layout.is_complete(stage),
    )


@dataclass(frozen=True)
class ResolvedRun:
    """A run's params, data source and output folder, resolved once; and the data's fingerprint once taken
    (None: not yet)."""

    params: Params
    data: Path
    layout: Layout
    fingerprint: str | None = None


_handed_over: ContextVar[ResolvedRun | None] = ContextVar("handed_over", default=None)


@contextmanager
def handing_over(run: ResolvedRun) -> Iterator[None]:
    """Within this block the flow takes `run` as its caller resolved, locked and fingerprinted it (the CLI),
    instead of resolving its raw parameters again (the UI, a deployment, Python)."""
    token = _handed_over.set(run)
    try:
        yield
    finally:
        _handed_over.reset(token)


def handed_over() -> ResolvedRun | None:
    return _handed_over.get()


def resolve_run(params_file: str | None, overrides: list[str], data: str | None, out: str | None) -> ResolvedRun:
    """Load params and resolve the data source and output folder of a run.

    Paths in a params file are relative to the file's folder; --data and --out to the current folder.
    Raises UserError when another run holds the output folder (`Layout.lock`).
    """
    from cnn_doctor.data.sources import read_source, write_digits

    params_path = Path(params_file) if params_file else DEFAULT_PARAMS_FILE
    params = load_params(params_path, overrides)
    base = params_path.resolve().parent
    data_path = Path(data).resolve() if data else (base / params.data.source).resolve()
    out_path = Path(out).resolve() if out else (base / params.data.out).resolve()
    if not data and params.data.source == DataParams().source:
        write_digits(data_path)  # the bundled default dataset, written once
    if not data_path.exists():
        raise UserError(f"data source {data_path} does not exist (set it with --data or data.source)")
    read_source(data_path)  # a malformed manifest or a folder without classes: one line now, not a failed task
    if params.model.builder and not params.model.builder_file.is_file():
        raise UserError(
            f"model.builder: file {params.model.builder_file} does not exist (paths are relative to the current folder)"
        )
    if out_path == data_path or data_path in out_path.parents:
        raise UserError(f"output folder {out_path} is inside the data source; choose another --out")
    layout = Layout(out_path)
    with layout.lock():  # a folder another run writes: one line now; the run itself holds the lock throughout
        pass
    return ResolvedRun(params, data_path, layout)
