"""The `cnn-doctor` command as users run it: real processes, real exit codes, real reports."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FAST, PROJECT_ROOT, copy_digits, tree_digest

CLI = str(Path(sys.executable).parent / "cnn-doctor")


def cnn_doctor(*arguments: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *arguments], capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, "CI": "true"})


def fast_sets(*extra: str) -> list[str]:
    return [argument for override in (*FAST, *extra) for argument in ("--set", override)]


def test_help_lists_the_commands_and_each_has_its_own():
    result = cnn_doctor("--help")
    assert result.returncode == 0
    for command in ("run", "stage", "serve", "digits"):
        assert command in result.stdout
        assert cnn_doctor(command, "--help").returncode == 0


def test_serve_without_a_server_says_how_to_start_one(tmp_path):
    result = subprocess.run([CLI, "serve"], capture_output=True, text=True, timeout=120,
                            env={key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"})
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


@pytest.mark.parametrize("arguments, named", [
    (["--set", "train.epocs=3"], "train.epocs"),
    (["--set", "train.learning_rate=fast"], "train.learning_rate"),
    (["--params", "missing.yaml"], "missing.yaml"),
    (["--data", "/no/such/folder"], "/no/such/folder"),
])
def test_user_mistakes_give_one_line_and_exit_1(arguments, named, tmp_path):
    result = cnn_doctor("run", "--out", str(tmp_path / "out"), *arguments)
    assert result.returncode == 1
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_builder_file_is_a_clear_error(digits_folder, tmp_path):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=20)
    result = cnn_doctor("run", "--data", str(data), "--out", str(tmp_path / "out"),
                        *fast_sets("model.builder=nowhere/model.py:build"))
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


@pytest.mark.slow
def test_default_run_on_digits_is_accurate_and_healthy(tmp_path):
    """The README's main job with the project's default params: accuracy >= 0.95 and no warning."""
    result = cnn_doctor("run", "--out", str(tmp_path / "out"), cwd=PROJECT_ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["metrics"]["test_accuracy"] >= 0.95
    assert report["findings_by_severity"]["critical"] == 0 and report["findings_by_severity"]["warning"] == 0
    assert report["verdict"].startswith("Healthy")
    assert (tmp_path / "out" / "train" / "model.keras").is_file()
    html = (tmp_path / "out" / "report.html").read_text()
    assert "data:image/png;base64," in html and "Confusion matrix" in html
    assert "Verdict:" in result.stdout and "Findings:" in result.stdout
