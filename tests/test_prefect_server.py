"""The pipeline the way its users run it under Prefect: a real server with its UI, `cnn-doctor serve`, runs
started from the UI's custom-run form in headless Chromium, `prefect deployment run`, and a process worker
running the deployments of prefect.yaml."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest
import yaml

from cnn_doctor.config import load_params

from helpers import PROJECT_ROOT, copy_digits, with_fast_params

BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
# Flags for a closed network: without the background-networking ones Chromium keeps dialling out.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]
SCREENSHOTS = PROJECT_ROOT / "test-outputs" / "prefect-ui"
RUN_TIMEOUT = 420


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A `prefect server start` on a free loopback port, with its own home, and what the tests need of its API."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/api"
        self.env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "CI": "true",
            "PREFECT_HOME": str(folder / "prefect-home"),
            "PREFECT_API_URL": self.api,
            "PREFECT_UI_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        }
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, name: str, command: list[str], cwd: Path = PROJECT_ROOT) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "w")
        process = subprocess.Popen(command, cwd=cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def run(self, command: list[str], cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=cwd, env=self.env, capture_output=True, text=True, timeout=RUN_TIMEOUT)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text()[-4000:]

    def post(self, path: str, body: dict | None = None):
        response = httpx.post(f"{self.api}{path}", json=body or {}, timeout=30)
        response.raise_for_status()
        return response.json()

    def wait_until(self, condition, seconds: float, what: str):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if result := condition():
                return result
            time.sleep(1)
        raise AssertionError(
            f"timed out waiting for {what}; logs:\n"
            + "\n".join(self.log(path.stem) for path in self.folder.glob("*.log"))
        )

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def deployment(self, name: str) -> dict | None:
        found = self.post("/deployments/filter", {"deployments": {"name": {"any_": [name]}}})
        return found[0] if found else None

    def flow_runs(self, deployment_id: str) -> list[dict]:
        return self.post("/flow_runs/filter", {"deployments": {"id": {"any_": [deployment_id]}}})

    def finished_run(self, run_id: str) -> dict:
        return self.wait_until(
            lambda: (
                (run := httpx.get(f"{self.api}/flow_runs/{run_id}").json())["state"]["type"]
                in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
                and run
            ),
            RUN_TIMEOUT,
            f"flow run {run_id}",
        )

    def artifact_keys(self, run_id: str) -> set[str]:
        return {a["key"] for a in self.post("/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run_id]}}})}

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def write_fast_params(path: Path, data: Path, out: Path) -> Path:
    """A params file like the project's, with the test's data and the FAST overrides."""
    params = with_fast_params(yaml.safe_load((PROJECT_ROOT / "params.yaml").read_text()), "train.epochs=1")
    params["data"] = {"source": str(data), "out": str(out)}
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory, digits_folder):
    """A Prefect server and `cnn-doctor serve` running the two deployments against it."""
    folder = tmp_path_factory.mktemp("served")
    data = copy_digits(digits_folder, folder / "digits", per_class=80)
    server = Server(folder)
    server.params_file = write_fast_params(folder / "params.yaml", data, folder / "out")
    try:
        # serve first, as a process manager starting both at once may: it waits for the server
        serve = server.start("serve", ["cnn-doctor", "serve", "--params", str(server.params_file)])
        server.wait_until(lambda: "Waiting for the Prefect server" in server.log("serve"), 60, "serve to wait")
        server.start("server", ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(server.port)])
        server.wait_until(
            lambda: server.healthy() and server.deployment("ad-hoc") and server.deployment("scheduled"),
            180,
            "the served deployments",
        )
        assert serve.poll() is None, server.log("serve")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser_page():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: install Debian's package `chromium` (make system-deps)")
        pytest.skip("Chromium is not installed (make system-deps installs Debian's package)")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def history_epochs(out: Path) -> int:
    return len((out / "train" / "history.csv").read_text().strip().splitlines()) - 1


@pytest.mark.slow
def test_scheduled_deployment_runs_on_the_cron_from_params(served):
    schedule = served.deployment("scheduled")["schedules"][0]["schedule"]
    flow_params = load_params(served.params_file, []).flow
    assert (schedule["cron"], schedule["timezone"]) == (flow_params.schedule, flow_params.timezone)
    assert served.deployment("ad-hoc")["schedules"] == []


@pytest.mark.slow
def test_ui_form_shows_typed_parameters_and_a_custom_run_uses_the_changed_value(served, browser_page):
    page = browser_page
    deployment = served.deployment("ad-hoc")
    page.goto(f"{served.url}/deployments/deployment/{deployment['id']}/run", wait_until="networkidle")
    for name, description in (
        ("epochs", "Shortcut for train.epochs"),
        ("learning_rate", "train.learning_rate"),
        ("data", "a folder of class folders"),
        ("overrides", "KEY=VALUE"),
    ):
        field = page.locator(".schema-form-property").filter(
            has=page.locator(".schema-form-property__label", has_text=re.compile(rf"^{name}\b"))
        )
        assert description in field.inner_text()
    epochs = page.locator(".schema-form-property").filter(
        has=page.locator(".schema-form-property__label", has_text=re.compile(r"^epochs\b"))
    )
    epochs.get_by_role("button", name="int", exact=True).click()
    epochs.locator("input").fill("3")
    page.screenshot(path=SCREENSHOTS / "custom-run-form.png", full_page=True)
    page.get_by_role("button", name="Submit").click()

    run = served.wait_until(lambda: served.flow_runs(deployment["id"]), 60, "the flow run started from the UI")[0]
    run = served.finished_run(run["id"])
    assert run["state"]["type"] == "COMPLETED", served.log("serve")
    assert run["parameters"]["epochs"] == 3
    assert history_epochs(served.folder / "out") == 3  # the params file says 1: the form's value was used

    page.goto(f"{served.url}/runs/flow-run/{run['id']}", wait_until="networkidle")
    page.screenshot(path=SCREENSHOTS / "flow-run.png", full_page=True)
    page.get_by_text("Artifacts", exact=True).click()
    for key in ("diagnosis", "per-class-metrics", "training-progress", "report"):
        page.get_by_text(key, exact=True).first.wait_for()
    page.screenshot(path=SCREENSHOTS / "flow-run-artifacts.png", full_page=True)
    diagnosis = served.post(
        "/artifacts/filter", {"artifacts": {"flow_run_id": {"any_": [run["id"]]}, "key": {"any_": ["diagnosis"]}}}
    )[0]
    page.goto(f"{served.url}/artifacts/artifact/{diagnosis['id']}", wait_until="networkidle")
    report = json.loads((served.folder / "out" / "report.json").read_text())
    page.get_by_text("Leading cause:").wait_for()
    page.get_by_role("cell", name=report["findings"][0]["id"]).first.wait_for()  # the findings table
    page.screenshot(path=SCREENSHOTS / "diagnosis-artifact.png", full_page=True)


@pytest.mark.slow
def test_prefect_deployment_run_with_params_from_the_command_line(served, tmp_path):
    out = tmp_path / "cli-run"
    result = served.run(
        [
            "prefect",
            "deployment",
            "run",
            "train-and-diagnose/ad-hoc",
            "--param",
            "epochs=2",
            "--param",
            f"out={out}",
            "--watch",
        ]
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Completed" in result.stdout
    assert history_epochs(out) == 2
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", result.stdout).group(1)
    assert {"diagnosis", "per-class-metrics", "training-progress", "report"} <= served.artifact_keys(run_id)


@pytest.mark.slow
def test_prefect_yaml_deploys_to_a_process_worker(served, tmp_path):
    """Teams with workers: `prefect deploy --all` from prefect.yaml, a process work pool, a worker."""
    project = tmp_path / "project"  # prefect.yaml and the flow's file; the rest is the installed package
    shutil.copytree(PROJECT_ROOT / "flows", project / "flows", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "prefect.yaml", project)
    for command in (
        ["prefect", "work-pool", "create", "cnn-doctor", "--type", "process"],
        ["prefect", "--no-prompt", "deploy", "--all"],
    ):
        result = served.run(command, cwd=project)
        assert result.returncode == 0, f"{command}: {result.stdout[-3000:]}{result.stderr[-2000:]}"
    scheduled = served.deployment("scheduled")
    assert scheduled["work_pool_name"] == "cnn-doctor"
    flow_params = load_params(PROJECT_ROOT / "params.yaml", []).flow
    assert scheduled["schedules"][0]["schedule"]["cron"] == flow_params.schedule  # prefect.yaml agrees with params

    out = tmp_path / "worker-run"
    started = served.run(
        [
            "prefect",
            "deployment",
            "run",
            "train-and-diagnose/ad-hoc",
            "--param",
            f"params_file={served.params_file}",
            "--param",
            f"out={out}",
        ]
    )
    assert started.returncode == 0, started.stdout[-3000:]
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", started.stdout).group(1)
    served.start("worker", ["prefect", "worker", "start", "--pool", "cnn-doctor"], cwd=project)
    run = served.finished_run(run_id)
    assert run["state"]["type"] == "COMPLETED", served.log("worker")
    assert (out / "report.html").is_file()


@pytest.fixture
def postgres():
    """A throw-away PostgreSQL cluster on a free loopback port (Debian's server, run as its own user)."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not binaries:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing: install Debian's package `postgresql` (make system-deps)")
        pytest.skip("PostgreSQL is not installed (make system-deps installs Debian's package)")
    bin_dir = binaries[-1].parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="cnn-doctor-pg-"))  # outside pytest's root-only tmp folders
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    subprocess.run(
        [*as_postgres, bin_dir / "initdb", "-D", data, "-A", "trust", "-U", "postgres"], check=True, capture_output=True
    )
    subprocess.run(
        [
            *as_postgres,
            bin_dir / "pg_ctl",
            "-D",
            data,
            "-l",
            folder / "log",
            "-w",
            "start",
            "-o",
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            [*as_postgres, bin_dir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "prefect"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/prefect", bin_dir / "psql", port
    finally:
        subprocess.run([*as_postgres, bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_server_on_postgresql_records_runs(postgres, tmp_path, digits_folder):
    database_url, psql, port = postgres
    server = Server(tmp_path)
    server.env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
    try:
        server.start("server", ["prefect", "server", "start", "--host", "127.0.0.1", "--port", str(server.port)])
        server.wait_until(server.healthy, 180, "the Prefect server on PostgreSQL")
        data = copy_digits(digits_folder, tmp_path / "data", per_class=3)  # too few: the gate stops it early
        command = [
            "cnn-doctor",
            "run",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "out"),
            "--set",
            "validate.fail_on=[warning]",
        ]
        result = server.run(command)
        assert result.returncode == 2, result.stderr[-3000:]
        again = server.run(command)  # nothing changed: no stage runs, and the run still shows in the UI
        assert again.returncode == 2, again.stderr[-3000:]
        assert "Nothing changed" in again.stderr and "Recorded as flow run" in again.stderr
        assert "Beginning flow run" not in again.stderr
        assert again.stdout == result.stdout  # the same summary
        run_id = re.search(r"Recorded as flow run ([0-9a-f-]{36})", again.stderr).group(1)
        assert server.artifact_keys(run_id) == {"diagnosis"}
    finally:
        server.stop()
    counted = subprocess.run(
        [
            psql,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "prefect",
            "-tAc",
            "select count(*) from flow_run where state_type = 'COMPLETED'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert counted.stdout.strip() == "2"
