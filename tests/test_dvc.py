"""`dvc repro` in a real git repository holding the project: runs, is a no-op twice, reruns only downstream."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import copy_project, with_fast_params

BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path, stdout_only: bool = False) -> str:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "CI": "true"}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout if stdout_only else result.stdout + result.stderr


def ran_stages(output: str) -> list[str]:
    return re.findall(r"Running stage '(\w+)'", output)


@pytest.fixture(scope="module")
def project_clone(tmp_path_factory) -> Path:
    """The project's files (tracked and new, not ignored) in a fresh git repo, with fast params."""
    tmp_path = tmp_path_factory.mktemp("dvc")
    clone = copy_project(tmp_path / "project")
    params = with_fast_params(yaml.safe_load((clone / "params.yaml").read_text()))
    (clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    for command in (
        ["git", "init", "-q"],
        # the repository's own identity: a fresh machine has none, and `dvc exp run` commits
        ["git", "config", "user.name", "t"],
        ["git", "config", "user.email", "t@t"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "clone"],
    ):
        run(command, clone)
    run(["cnn-doctor", "digits", "data/digits"], clone)
    return clone


@pytest.fixture(scope="module")
def first_repro(project_clone) -> str:
    return run(["dvc", "repro"], project_clone)


@pytest.mark.slow
def test_repro_twice_then_one_param_change(project_clone, first_repro):
    assert ran_stages(first_repro) == ["validate", "preprocess", "augment", "train", "evaluate"]
    lock = yaml.safe_load((project_clone / "dvc.lock").read_text())["stages"]
    assert lock["preprocess"]["outs"][0]["path"] == "outputs/latest/preprocess"
    assert lock["augment"]["outs"][0]["path"] == "outputs/latest/augment"
    assert (project_clone / "outputs" / "latest" / "report.html").is_file()

    second = run(["dvc", "repro"], project_clone)
    assert ran_stages(second) == []
    assert "Data and pipelines are up to date" in second

    params = yaml.safe_load((project_clone / "params.yaml").read_text())
    params["augment"]["contrast"] = 0.2
    (project_clone / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    third = run(["dvc", "repro"], project_clone)
    assert ran_stages(third) == ["augment", "train", "evaluate"]

    metrics = run(["dvc", "metrics", "show"], project_clone)
    assert "test_accuracy" in metrics


@pytest.mark.slow
def test_experiments_plots_and_a_remote(project_clone, first_repro, tmp_path):
    experiment = run(["dvc", "exp", "run", "-S", "train.learning_rate=0.01"], project_clone)
    assert ran_stages(experiment) == ["train", "evaluate"]
    table = json.loads(run(["dvc", "exp", "show", "--json"], project_clone, stdout_only=True))
    experiments = [e for commit in table for e in (commit.get("experiments") or [])]
    rates = [e["revs"][0]["data"]["params"]["params.yaml"]["data"]["train"]["learning_rate"] for e in experiments]
    assert 0.01 in rates
    metrics = experiments[0]["revs"][0]["data"]["metrics"]
    assert "test_accuracy" in next(iter(metrics.values()))["data"]

    plots = run(["dvc", "plots", "show", "--out", str(tmp_path / "plots")], project_clone)
    page = (tmp_path / "plots" / "index.html").read_text()
    for title in ("Learning curves (loss)", "Confusion matrix", "Per-class recall"):
        assert title in page, plots

    remote = tmp_path / "remote"
    for command in (
        ["dvc", "remote", "add", "-d", "team", str(remote)],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "pipeline run"],
        ["dvc", "push"],
    ):
        run(command, project_clone)
    teammate = tmp_path / "teammate"
    run(["git", "clone", "-q", str(project_clone), str(teammate)], tmp_path)
    run(["dvc", "pull"], teammate)
    for path in ("outputs/latest/train/model.keras", "outputs/latest/preprocess/record.json"):
        assert (teammate / path).read_bytes() == (project_clone / path).read_bytes()
