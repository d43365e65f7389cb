"""The no-op decision of `cnn-doctor run` (cnn_doctor.up_to_date) on hand-made outputs: no Prefect, no training."""

from __future__ import annotations

import pytest

from cnn_doctor.layout import STAGES, Layout, write_json
from cnn_doctor.up_to_date import is_up_to_date, record_run, run_key


@pytest.fixture
def finished(tmp_path, fast_params) -> tuple[Layout, str]:
    """An output folder as a completed run leaves it, recorded under the key of its params and data."""
    layout = Layout(tmp_path / "out")
    for stage in STAGES:
        write_json(layout.stage_dir(stage) / "_complete.json", {"stage": stage, "digest": f"digest-{stage}"})
    write_json(layout.report_json, {"status": "done"})
    key = run_key(fast_params(), tmp_path / "data", "fingerprint", layout)
    record_run(layout, key)
    return layout, key


def test_a_recorded_run_with_the_same_key_is_up_to_date(finished):
    layout, key = finished
    assert is_up_to_date(layout, key)


@pytest.mark.parametrize("change", ["train.epochs=3", "validate.seed=1", "flow.retries=0"])
def test_any_changed_param_is_a_change(finished, fast_params, tmp_path, change):
    layout, key = finished
    assert not is_up_to_date(layout, run_key(fast_params(change), tmp_path / "data", "fingerprint", layout))


def test_changed_data_is_a_change(finished, fast_params, tmp_path):
    layout, _ = finished
    assert not is_up_to_date(layout, run_key(fast_params(), tmp_path / "data", "another", layout))
    assert not is_up_to_date(layout, run_key(fast_params(), tmp_path / "other", "fingerprint", layout))


def test_an_edited_model_builder_is_a_change(tmp_path, fast_params):
    builder = tmp_path / "model.py"
    builder.write_text("def build(shape, classes): ...\n")
    params = fast_params(f"model.builder={builder}:build")
    layout = Layout(tmp_path / "out")
    before = run_key(params, tmp_path / "data", "fingerprint", layout)
    builder.write_text("def build(shape, classes): return None\n")
    assert run_key(params, tmp_path / "data", "fingerprint", layout) != before


@pytest.mark.parametrize("stage", STAGES)
def test_a_stage_rewritten_or_removed_since_is_a_change(finished, stage):
    """`dvc repro` or a deleted folder changed a stage's outputs after the recorded run."""
    layout, key = finished
    write_json(layout.stage_dir(stage) / "_complete.json", {"stage": stage, "digest": "new"})
    assert not is_up_to_date(layout, key)
    (layout.stage_dir(stage) / "_complete.json").unlink()
    assert not is_up_to_date(layout, key)


def test_a_changed_or_missing_report_is_a_change(finished):
    layout, key = finished
    write_json(layout.report_json, {"status": "edited"})
    assert not is_up_to_date(layout, key)
    layout.report_json.unlink()
    assert not is_up_to_date(layout, key)


@pytest.mark.parametrize("record", ["", "not json", "[]", '{"key": 1}'])
def test_no_record_or_a_broken_one_means_run(tmp_path, record):
    layout = Layout(tmp_path / "out")
    assert not is_up_to_date(layout, "key")
    layout.last_run.parent.mkdir(parents=True, exist_ok=True)
    layout.last_run.write_text(record)
    assert not is_up_to_date(layout, "key")


def test_a_configured_server_that_is_down_is_one_clear_error():
    """A no-op run is recorded on the configured server; a server that does not answer is named, not a traceback."""
    import socket

    from cnn_doctor.config import UserError
    from cnn_doctor.prefect_api import FLOW_NAME, record_unchanged_run

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api"
    with pytest.raises(UserError, match=f"the Prefect server at {url} did not record the run .*ConnectError"):
        record_unchanged_run(url, FLOW_NAME, {}, "# Diagnosis", "Healthy")


def test_every_module_of_the_project_is_in_the_run_key():
    """An edit anywhere in the code (a finding family in a sub-package too) makes the next run a real one."""
    from cnn_doctor.config import PROJECT_ROOT
    from cnn_doctor.up_to_date import CODE

    covered = {path for pattern in CODE for path in PROJECT_ROOT.glob(pattern)}
    modules = {
        *PROJECT_ROOT.glob("cnn_doctor/**/*.py"),
        *PROJECT_ROOT.glob("tasks/*.py"),
        *PROJECT_ROOT.glob("flows/*.py"),
    }
    assert modules <= covered
