"""Chunked work on both cores: Prefect's task runner inside a flow run, a process pool under `dvc repro`."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache, partial
from typing import Any


def map_chunks(task, chunks: list, **shared: Any) -> Iterator[Any]:
    """Yield `task(chunk, **shared)` for each chunk, in order, computed in parallel where there is more than one.

    One chunk, or one worker (PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS=1), runs in this process.
    Inside a flow run the chunks go to the flow's task runner (`ProcessPoolTaskRunner` by default; a
    `DaskTaskRunner` or `RayTaskRunner` given with `train_and_diagnose.with_options(task_runner=...)` takes the
    same work over unchanged) and show as task runs in the UI. Outside one (`dvc repro`, `.fn` calls), a pool
    of spawned processes runs the task's function (a script calling it needs the `if __name__ == "__main__"`
    guard). At most one chunk per worker, plus one, is in flight: memory is bounded by the workers, not the
    dataset.
    """
    if len(chunks) < 2 or worker_count() == 1:
        yield from (task.fn(chunk, **shared) for chunk in chunks)
        return
    from prefect.context import FlowRunContext

    if FlowRunContext.get() is not None:
        yield from _map_on_flow_runner(task, chunks, shared)
    else:
        yield from _map_on_process_pool(task, chunks, shared)


def worker_count() -> int:
    """Processes to use: Prefect's process-pool setting when set, else one per core."""
    configured = os.environ.get("PREFECT_TASKS_RUNNER_PROCESS_POOL_MAX_WORKERS")
    return max(1, int(configured) if configured else os.cpu_count() or 1)


def _in_order(submit, chunks: list, in_flight: int) -> Iterator[Any]:
    """Keep `in_flight` chunks submitted, yield their results in chunk order."""
    pending: deque = deque()
    for chunk in chunks:
        pending.append(submit(chunk))
        if len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _map_on_flow_runner(task, chunks: list, shared: dict) -> Iterator[Any]:
    def submit(chunk):
        with _children_share_the_server():  # around each submission only: never held across a yield
            return task.submit(chunk, **shared)

    yield from _in_order(submit, chunks, worker_count() + 1)


def _map_on_process_pool(task, chunks: list, shared: dict) -> Iterator[Any]:
    # task.fn must be a module-level function under its own name (tasks made with `task(function)`): the
    # workers unpickle it by reference, importing only its module.
    submit = partial(_process_pool(worker_count()).submit, task.fn, **shared)
    yield from _in_order(submit, chunks, worker_count() + 1)


def shutdown_process_pool() -> None:
    """Stop this process's worker processes (they would stop at exit anyway)."""
    if _process_pool.cache_info().currsize:
        _process_pool(worker_count()).shutdown()
        _process_pool.cache_clear()


@cache
def _process_pool(workers: int) -> ProcessPoolExecutor:
    """One pool per process, started on first use: workers pay their start-up (~0.5 s) once, not per call."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=exit_with_parent)


def exit_with_parent() -> None:
    """In a worker process: exit when the process that started it is gone.

    A run killed with SIGKILL cannot stop its workers; left alone they would wait for work forever,
    holding the terminal's or the caller's pipes open.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


@contextmanager
def _children_share_the_server():
    """Point worker processes at this process's Prefect API.

    Without a configured API URL Prefect runs a temporary server per process, and a `ProcessPoolTaskRunner`
    hands its workers the parent's settings (no URL), so each worker would start a server of its own
    (3-5 s each). Giving them the parent's temporary server's address avoids that; with PREFECT_API_URL set
    (a running `prefect server start`) nothing changes.
    """
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the instance this process's client already started
    if not server.running:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield
