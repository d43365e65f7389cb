"""`cnn-doctor serve`: the pipeline flow as two Prefect deployments, served against a running Prefect server."""

from __future__ import annotations

from pathlib import Path

from cnn_doctor.config import DEFAULT_PARAMS_FILE, UserError, load_params
from cnn_doctor.prefect_api import START_SERVER_HINT, configured_api_url, wait_for_server

SCHEDULED, AD_HOC = "scheduled", "ad-hoc"


def require_server() -> str:
    """The configured Prefect API URL; a served deployment needs a server that outlives this process."""
    url = configured_api_url()
    if not url:
        raise UserError(f"no Prefect server is configured (PREFECT_API_URL is not set): {START_SERVER_HINT}")
    return url


def make_schedule(cron: str, timezone: str):
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron

    try:
        CronSchedule(cron=cron, timezone=timezone)  # validates both; Cron itself defers the check to the server
        return Cron(cron, timezone=timezone)
    except ValueError as error:
        raise UserError(
            f"flow.schedule {cron!r} / flow.timezone {timezone!r} is not a valid cron schedule: "
            f"{str(error).splitlines()[-1].strip()}"
        ) from None


def build_deployments(params_file: str | None):
    """The `scheduled` deployment (cron from flow.schedule) and the `ad-hoc` one, both with typed parameters."""
    from prefect.deployments.runner import EntrypointType

    from flows.train_and_diagnose import train_and_diagnose

    params_path = Path(params_file).resolve() if params_file else DEFAULT_PARAMS_FILE
    flow_params = load_params(params_path, []).flow
    defaults = {"params_file": str(params_path)} if params_file else {}
    common = dict(parameters=defaults, tags=["cnn-doctor"], entrypoint_type=EntrypointType.MODULE_PATH)
    scheduled = train_and_diagnose.to_deployment(
        name=SCHEDULED,
        schedule=make_schedule(flow_params.schedule, flow_params.timezone),
        description=(
            f"The pipeline on a schedule ({flow_params.schedule}, {flow_params.timezone}; params flow.schedule)."
        ),
        **common,
    )
    ad_hoc = train_and_diagnose.to_deployment(
        name=AD_HOC,
        description="The pipeline on demand: Run > Custom run in the UI to change its parameters.",
        **common,
    )
    return scheduled, ad_hoc


def serve_deployments(params_file: str | None, limit: int, wait_seconds: float) -> None:
    """Wait for the server (a process manager may start both at once), register both deployments and run
    their flow runs here until interrupted."""
    from prefect import serve

    wait_for_server(require_server(), wait_seconds)
    serve(*build_deployments(params_file), limit=limit)
