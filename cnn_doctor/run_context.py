"""Where a step runs: inside a Prefect flow run (log and publish there) or plainly (DVC, unit tests)."""

from __future__ import annotations

import logging


def in_prefect_run() -> bool:
    """Whether the caller runs inside a Prefect task or flow run (not a plain `.fn` call)."""
    from prefect.context import FlowRunContext, TaskRunContext

    return TaskRunContext.get() is not None or FlowRunContext.get() is not None


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run, so lines reach the UI; the `cnn_doctor` logger elsewhere."""
    if in_prefect_run():
        from prefect import get_run_logger

        return get_run_logger()
    return logging.getLogger("cnn_doctor")
