"""Reaching Prefect's API: the temporary server of a run without one, and waiting for a configured server."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from cnn_doctor.config import UserError, one_line

# Prefect's own default start-up wait for its temporary server is 20 s. On a 2-core machine its first start
# (creating and migrating the SQLite database under PREFECT_HOME) alone took 13-18 s and the whole start 21-25 s,
# so the first run of every new machine timed out. A later start takes 6-10 s there.
TEMPORARY_SERVER_WAIT_SECONDS = 180
FLOW_NAME = "train-and-diagnose"
STARTUP_TIMEOUT_VARIABLE = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
START_SERVER_HINT = (
    "start one with `make server` (prefect server start --host 127.0.0.1) and point the project "
    "at it: export PREFECT_API_URL=http://127.0.0.1:4200/api"
)


def configured_api_url() -> str | None:
    """The Prefect API this process reports to (PREFECT_API_URL or a Prefect profile), or None."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def api_url_without_prefect() -> str | None:
    """The configured Prefect API, known without importing Prefect (2-3 s on 2 cores) where possible.

    PREFECT_API_URL in the environment wins, as in Prefect. Only when a file Prefect reads its settings from
    mentions the API is Prefect asked; a false alarm costs the import, never a wrong answer.
    """
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    settings_files = {
        Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")): "PREFECT_API_URL",
        Path(".env"): "PREFECT_API_URL",
        Path("prefect.toml"): "api",
        Path("pyproject.toml"): "tool.prefect",
    }
    if any(_mentions(path, needle) for path, needle in settings_files.items()):
        return configured_api_url()
    return None


def record_unchanged_run(url: str, flow_name: str, parameters: dict, markdown: str, verdict: str) -> str:
    """Show a run that had nothing to do in the server's UI: a Completed flow run with its diagnosis artifact.

    Through the server's REST API (`/flows/`, `/flow_runs/`, `/artifacts/`) with httpx, so that a no-op run
    never imports Prefect. Returns the flow run's id.
    """
    import httpx

    try:
        with httpx.Client(base_url=url.rstrip("/"), timeout=30) as client:

            def post(path: str, body: dict) -> dict:
                response = client.post(path, json=body)
                response.raise_for_status()
                return response.json()

            flow_id = post("/flows/", {"name": flow_name})["id"]
            run = post(
                "/flow_runs/",
                {
                    "flow_id": flow_id,
                    "parameters": parameters,
                    "tags": ["cnn-doctor", "nothing-changed"],
                    "state": {
                        "type": "COMPLETED",
                        "name": "Completed",
                        "message": "Nothing changed since the last run: no stage ran.",
                    },
                },
            )
            post(
                "/artifacts/",
                {
                    "key": "diagnosis",
                    "type": "markdown",
                    "data": markdown,
                    "description": verdict,
                    "flow_run_id": run["id"],
                },
            )
            return run["id"]
    except httpx.HTTPError as error:  # a server that is configured but down, or refuses the run
        raise UserError(
            f"nothing changed, but the Prefect server at {url} did not record the run ({one_line(error)}): "
            f"{START_SERVER_HINT}, or unset PREFECT_API_URL"
        ) from None


def _mentions(path: Path, needle: str) -> bool:
    try:
        return needle in path.expanduser().read_text(errors="replace")
    except OSError:
        return False


def start_temporary_server() -> None:
    """Start Prefect's temporary server for this process, saying what it waits for and for how long.

    Prefect starts it anyway on the first API call, with a 20 s bound that a first start on a slow machine
    exceeds. Started here, the flow's client finds it running (one instance per process) and reuses it.
    """
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_HOME

    seconds = int(os.environ.get(STARTUP_TIMEOUT_VARIABLE, TEMPORARY_SERVER_WAIT_SECONDS))
    home = Path(PREFECT_HOME.value())
    first_start = "" if (home / "prefect.db").exists() else f" Its first start here creates its database in {home}."
    print(
        f"Starting Prefect's temporary server (no PREFECT_API_URL set); waiting up to {seconds} s.{first_start}",
        file=sys.stderr,
        flush=True,
    )
    try:
        SubprocessASGIServer().start(timeout=seconds)
    except RuntimeError as error:
        raise RuntimeError(
            f"Prefect's temporary server did not answer within {seconds} s: raise "
            f"{STARTUP_TIMEOUT_VARIABLE}, or {START_SERVER_HINT} "
            f"({str(error).splitlines()[0]})"
        ) from error


def server_answers(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url.rstrip('/')}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for_server(url: str, seconds: float) -> None:
    """Return once the Prefect server at `url` answers its health check; a UserError after `seconds`."""
    if server_answers(url):
        return
    print(
        f"Waiting for the Prefect server at {url} to answer (up to {seconds:g} s; --wait to change).",
        file=sys.stderr,
        flush=True,
    )
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(1)
        if server_answers(url):
            return
    raise UserError(f"no Prefect server answered at {url} within {seconds:g} s: {START_SERVER_HINT}")
