"""The `cnn-doctor` command as users run it: real processes, real exit codes, real reports."""

from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FAST, PROJECT_ROOT, copy_digits, tree_digest

CLI = str(Path(sys.executable).parent / "cnn-doctor")


def cnn_doctor(*arguments: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, *arguments], capture_output=True, text=True, cwd=cwd, timeout=timeout, env={**os.environ, "CI": "true"}
    )


def fast_sets(*extra: str) -> list[str]:
    return [argument for override in (*FAST, *extra) for argument in ("--set", override)]


def test_help_lists_the_commands_and_each_has_its_own():
    result = cnn_doctor("--help")
    assert result.returncode == 0
    for command in ("run", "stage", "serve", "digits"):
        assert command in result.stdout
        assert cnn_doctor(command, "--help").returncode == 0


def test_serve_gives_up_on_a_server_that_never_answers(tmp_path):
    port = socket_port_nobody_listens_on()
    result = subprocess.run(
        [CLI, "serve", "--wait", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"},
    )
    assert result.returncode == 1
    assert "Waiting for the Prefect server" in result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("cnn-doctor: error: no Prefect server answered at") and "within 2 s" in error


def socket_port_nobody_listens_on() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    result = subprocess.run(
        [CLI, "serve"],
        capture_output=True,
        text=True,
        timeout=120,
        env={key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"},
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "PREFECT_API_URL" in result.stderr and "prefect server start" in result.stderr


PROGRESS_SNIPPET = """
from cnn_doctor.progress import progress
for _ in progress(range(3), "Inspecting images"):
    pass
"""


def stderr_on_a_terminal(command: list[str], environment: dict) -> str:
    """What a command writes to stderr when stderr is a terminal (a pseudo-terminal)."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a new pty is 0 columns wide
    process = subprocess.Popen(command, stderr=follower, env=environment)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.parametrize("terminal, ci, shown", [(True, False, True), (True, True, False), (False, False, False)])
def test_progress_bars_only_on_a_terminal_outside_ci(terminal, ci, shown):
    environment = {key: value for key, value in os.environ.items() if key != "CI"} | ({"CI": "true"} if ci else {})
    command = [sys.executable, "-c", PROGRESS_SNIPPET]
    if terminal:
        output = stderr_on_a_terminal(command, environment)
    else:
        output = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=60).stderr
    assert ("Inspecting images" in output) == shown


@pytest.mark.parametrize(
    "arguments, named",
    [
        (["--set", "train.epocs=3"], "train.epocs"),
        (["--set", "train.learning_rate=fast"], "train.learning_rate"),
        (["--params", "missing.yaml"], "missing.yaml"),
        (["--data", "/no/such/folder"], "/no/such/folder"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_1(arguments, named, tmp_path):
    result = cnn_doctor("run", "--out", str(tmp_path / "out"), *arguments)
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_builder_file_is_a_clear_error(digits_folder, tmp_path):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=20)
    result = cnn_doctor(
        "run", "--data", str(data), "--out", str(tmp_path / "out"), *fast_sets("model.builder=nowhere/model.py:build")
    )
    assert result.returncode == 1
    assert "cnn-doctor: error: model.builder: file nowhere/model.py does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_validation_gate_exits_2_with_a_report(digits_folder, tmp_path):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    rows = [(f"{p.parent.name}/{p.name}", p.parent.name, "train") for p in sorted(data.rglob("*.png"))]
    shutil.copy(sorted((data / "4").iterdir())[0], data / "leaked.png")
    rows += [("leaked.png", "4", "test"), ("4/gone.png", "4", "train")]
    with open(data / "manifest.csv", "w", newline="") as handle:
        csv.writer(handle).writerows([("path", "label", "split"), *rows])
    before = tree_digest(data)

    result = cnn_doctor("run", "--data", str(data / "manifest.csv"), "--out", str(tmp_path / "out"), *fast_sets())

    assert result.returncode == 2, result.stderr[-2000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    findings = {f["id"]: f for f in report["findings"]}
    assert report["status"] == "stopped_by_validation" and report["leading_finding"] == "split_leakage"
    assert findings["split_leakage"]["evidence"]["files"] == ["leaked.png"]
    assert findings["missing_files"]["evidence"]["files"] == ["4/gone.png"]
    assert (tmp_path / "out" / "report.html").is_file()
    assert "Stopped after validation" in result.stdout
    assert tree_digest(data) == before
    # the run is resolved once: the flow takes the CLI's params, paths, lock and data fingerprint
    assert "fingerprint-data" not in result.stdout + result.stderr


def as_a_newcomer(tmp_path: Path) -> dict[str, str]:
    """A new machine's environment: an empty Prefect home, no Prefect server configured."""
    home = tmp_path / "empty-prefect-home"
    home.mkdir(parents=True)
    excluded = ("PREFECT_API_URL", "PREFECT_LOCAL_STORAGE_PATH", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
    return {**{k: v for k, v in os.environ.items() if k not in excluded}, "PREFECT_HOME": str(home)}


def readme_run(out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The README's main command (`cnn-doctor run` on the bundled digits), from the project folder."""
    return subprocess.run(
        [CLI, "run", "--out", str(out)], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900, env=env
    )


@pytest.mark.slow
def test_default_run_on_digits_is_accurate_and_healthy(tmp_path):
    """The README's main job as a newcomer runs it (a fresh Prefect home, no server): accuracy >= 0.95, no
    warning. Prefect's temporary server first creates its database there: on a 2-core machine that took longer
    than Prefect's default 20 s start-up wait, so the first run of every new machine failed."""
    result = readme_run(tmp_path / "out", as_a_newcomer(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["metrics"]["test_accuracy"] >= 0.95
    assert report["findings_by_severity"]["critical"] == 0 and report["findings_by_severity"]["warning"] == 0
    assert report["verdict"].startswith("Healthy")
    assert (tmp_path / "out" / "train" / "model.keras").is_file()
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in html and "Confusion matrix" in html
    assert "Verdict:" in result.stdout and "Findings:" in result.stdout
    # nothing to fix, nothing tried: verification adds no time to a healthy run
    assert report["verified_fix"] is None and report["training"]["verification"] == {
        "tried": [],
        "skipped": [],
        "seconds": 0.0,
    }
    assert "Rerun:" not in result.stdout

    again = readme_run(tmp_path / "out", as_a_newcomer(tmp_path / "second"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "Nothing changed since the last run" in again.stderr
    assert "temporary server" not in again.stderr  # decided from digests alone, before Prefect
    assert again.stdout == result.stdout[result.stdout.index("\nReport:") :]  # the same summary


@pytest.mark.slow
def test_first_run_on_a_busy_single_core_machine(tmp_path, digits_folder):
    """A fresh Prefect home on one core shared with another busy process: the temporary server's first start
    (creating its database) took 34 s there, past Prefect's default 20 s wait, and the run failed with
    "Timed out while attempting to connect to ephemeral Prefect API server"."""
    core = {min(os.sched_getaffinity(0))}
    neighbour = subprocess.Popen(
        [sys.executable, "-c", "import time\nend = time.time() + 60\nwhile time.time() < end: pass"],
        preexec_fn=lambda: os.sched_setaffinity(0, core),
    )
    try:
        data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
        result = subprocess.run(
            [
                CLI,
                "run",
                "--data",
                str(data),
                "--out",
                str(tmp_path / "out"),
                *fast_sets("train.epochs=1", "validate.label_errors=false"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env=as_a_newcomer(tmp_path),
            preexec_fn=lambda: os.sched_setaffinity(0, core),
        )
    finally:
        neighbour.kill()
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Starting Prefect's temporary server (no PREFECT_API_URL set); waiting up to 180 s" in result.stderr
    assert "Its first start here creates its database" in result.stderr
    assert (tmp_path / "out" / "report.json").is_file()


@pytest.mark.slow
def test_treat_applies_the_verified_fix_into_a_sibling_folder(digits_folder, tmp_path):
    """A rate far too high: `run` prints the verified fix and the command with it; `treat` reruns with it into
    OUT-treated and says what changed; the first run's folder and the data stay as they were."""
    data = copy_digits(digits_folder, tmp_path / "data", per_class=40)
    options = ["--data", str(data), "--out", str(tmp_path / "out"), *fast_sets("train.epochs=4")]
    options += ["--set", "train.optimizer=sgd", "--set", "train.learning_rate=5.0"]
    first = cnn_doctor("run", *options)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "Verified:  train.learning_rate=" in first.stdout
    rerun = next(line for line in first.stdout.splitlines() if line.startswith("Rerun:"))
    assert rerun.startswith(f"Rerun:     cnn-doctor run --data {data} --out {tmp_path / 'out'} ")
    assert rerun.split()[-1].startswith("train.learning_rate=")  # the fix comes last: it wins over the 5.0
    before, data_before = tree_digest(tmp_path / "out"), tree_digest(data)

    treated = cnn_doctor("treat", *options)

    assert treated.returncode == 0, treated.stderr[-3000:]
    report = json.loads((tmp_path / "out-treated" / "report.json").read_text())
    assert report["params"]["train"]["learning_rate"] < 5.0
    assert "Gone:      " in treated.stdout and "learning_rate_too_high" in treated.stdout.split("Gone:")[1]
    # every output of the first run as it was (its .lock records who last held the folder: treat, reading it)
    unlocked = lambda digest: {path: value for path, value in digest.items() if path != ".lock"}  # noqa: E731
    assert unlocked(tree_digest(tmp_path / "out")) == unlocked(before) and tree_digest(data) == data_before


def test_treat_without_a_report_says_to_run_first(tmp_path):
    result = cnn_doctor("treat", "--out", str(tmp_path / "nothing-here"))
    assert result.returncode == 1
    folder = tmp_path / "nothing-here"
    assert (
        result.stderr.strip()
        == f"cnn-doctor: error: no report in {folder}: run `cnn-doctor run` with the same options first"
    )
