"""Faults: a clear answer, nothing lost.

A killed training run resumes from its last completed epoch; a killed stage never leaves output a later
run trusts, and the previous complete output survives until replaced; a transient error is retried by
Prefect, a lasting one fails the flow with its message and no partial output; two runs never write one
output folder at once. Every test also checks that the source data is byte for byte unchanged.
"""

from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cnn_doctor.layout import COMPLETE_MARKER, STAGES, Layout, digest_tree, read_json

from helpers import FAST, PROJECT_ROOT, copy_digits, tree_digest

# Small and quick, but long enough to kill in the middle: no early stopping, no diagnosis experiments.
QUICK = (
    *FAST,
    "validate.label_errors=false",
    "diagnose.lr_range_test=false",
    "diagnose.learning_curve=false",
    "diagnose.single_batch_test=false",
    "diagnose.augmentation_ablation=false",
)
TRAINING_EPOCHS = 8
LONG_TRAINING = (
    *QUICK,
    f"train.epochs={TRAINING_EPOCHS}",
    "train.early_stopping_patience=0",
    "train.learning_rate=0.003",
    "train.checkpoint_seconds=0",
)
SECONDS_TO_WAIT = 300


def cli_command(*arguments: str) -> list[str]:
    """`cnn-doctor ...` run by this interpreter on this checkout's code (a worktree or an editable install)."""
    return [sys.executable, "-m", "cnn_doctor.commands.cli", *arguments]


def cli_environment() -> dict[str, str]:
    python_path = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "CI": "true", "PYTHONPATH": python_path}


def settings(overrides: tuple[str, ...]) -> list[str]:
    return [argument for override in overrides for argument in ("--set", override)]


def start_run(data: Path, out: Path, overrides: tuple[str, ...], log: Path) -> subprocess.Popen:
    """`cnn-doctor run` in its own process group (with Prefect's temporary server), output to a log file."""
    with open(log, "w") as handle:
        return subprocess.Popen(
            cli_command("run", "--data", str(data), "--out", str(out), *settings(overrides)),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env=cli_environment(),
            start_new_session=True,
        )


def finish(process: subprocess.Popen, log: Path) -> str:
    try:
        process.wait(timeout=SECONDS_TO_WAIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise
    text = log.read_text()
    assert process.returncode == 0, text[-3000:]
    return text


def wait_for(condition, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + SECONDS_TO_WAIT
    while not condition():
        assert process.poll() is None, f"the run ended before {what}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def history_epochs(path: Path) -> list[int]:
    with open(path, newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def assert_every_stage_folder_complete(layout: Layout) -> None:
    """No stage folder without its completion marker, and no scratch folder left behind."""
    for stage in STAGES:
        if layout.stage_dir(stage).exists():
            assert layout.is_complete(stage), f"{stage}/ has no {COMPLETE_MARKER}"
            assert read_json(layout.stage_dir(stage) / COMPLETE_MARKER)["digest"] == digest_tree(
                layout.stage_dir(stage)
            )
    assert not [path.name for path in layout.out.glob(".tmp-*")] + [path.name for path in layout.out.glob(".old-*")]


@pytest.fixture
def small_digits(digits_folder, tmp_path) -> Path:
    return copy_digits(digits_folder, tmp_path / "data", per_class=50)


# 1. Interrupted training -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_killed_training_resumes_after_its_last_epoch_and_ends_as_good(small_digits, tmp_path):
    before = tree_digest(small_digits)
    interrupted, uninterrupted = Layout(tmp_path / "interrupted"), Layout(tmp_path / "uninterrupted")
    checkpoint = interrupted.backup / "checkpoint.json"

    first = start_run(small_digits, interrupted.out, LONG_TRAINING, tmp_path / "first.log")
    wait_for(
        lambda: checkpoint.is_file() and read_json(checkpoint)["epochs_done"] >= 2,
        first,
        "two completed epochs",
        tmp_path / "first.log",
    )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    epochs_before_kill = read_json(checkpoint)["epochs_done"]
    assert 2 <= epochs_before_kill < TRAINING_EPOCHS
    assert not interrupted.is_complete("train") and not interrupted.report_json.exists()
    assert interrupted.lock_file.is_file()  # left by the dead run: must not block the next one
    rows_before_kill = (interrupted.backup / "history.csv").read_text().splitlines()[: 1 + epochs_before_kill]

    # the same command again, and (alongside) the same run never interrupted
    resumed = start_run(small_digits, interrupted.out, LONG_TRAINING, tmp_path / "resumed.log")
    baseline = start_run(small_digits, uninterrupted.out, LONG_TRAINING, tmp_path / "baseline.log")
    resumed_log = finish(resumed, tmp_path / "resumed.log")
    finish(baseline, tmp_path / "baseline.log")

    assert f"Resuming training after epoch {epochs_before_kill}" in resumed_log
    summary = read_json(interrupted.summary("train"))
    assert summary["resumed"] is True and summary["resumed_after_epoch"] == epochs_before_kill
    assert summary["epochs_run"] == TRAINING_EPOCHS
    assert history_epochs(interrupted.history) == list(range(TRAINING_EPOCHS))  # no epoch repeated or lost
    assert interrupted.history.read_text().splitlines()[: 1 + epochs_before_kill] == rows_before_kill
    assert [record["epoch"] for record in summary["probes"]["records"]] == list(range(TRAINING_EPOCHS + 1))
    assert not interrupted.backup.exists()  # checkpoints go once the model is stored
    assert_every_stage_folder_complete(interrupted)

    metrics, baseline = (read_json(layout.report_json)["metrics"] for layout in (interrupted, uninterrupted))
    assert read_json(uninterrupted.summary("train"))["resumed"] is False
    # as good as the uninterrupted run, within what chance gives two accuracies on the same few test images
    # (CPU training is not bit-deterministic): three standard deviations of their difference; 75 images at
    # 0.96 allow 0.1, and a resume that lost the trained weights falls far below 0.8
    accuracy, baseline_accuracy = metrics["test_accuracy"], baseline["test_accuracy"]
    pooled = (accuracy + baseline_accuracy) / 2
    chance = 3 * math.sqrt(2 * max(pooled * (1 - pooled), 0.01) / metrics["test_images"])
    assert accuracy == pytest.approx(baseline_accuracy, abs=chance) and accuracy > 0.8
    assert tree_digest(small_digits) == before


# 2. Interrupted stages ---------------------------------------------------------------------------------------


def test_a_stage_folder_appears_whole_by_one_rename(layout):
    with layout.writing_stage("validate") as scratch:
        (scratch / "findings.json").write_text("[]")
        assert scratch.parent == layout.out and scratch.name.startswith(".tmp-validate-")
        assert not layout.stage_dir("validate").exists()
        scratch_inode = scratch.stat().st_ino
    assert layout.stage_dir("validate").stat().st_ino == scratch_inode  # renamed, not copied
    assert layout.is_complete("validate")
    assert_every_stage_folder_complete(layout)


def test_a_failing_stage_keeps_the_previous_output_and_leaves_no_scratch(layout):
    with layout.writing_stage("validate") as scratch:
        (scratch / "findings.json").write_text("[]")
    previous = tree_digest(layout.stage_dir("validate"))
    with pytest.raises(OSError, match="injected"):
        with layout.writing_stage("validate") as scratch:
            (scratch / "findings.json").write_text('["half"]')
            raise OSError("disk full (injected)")
    assert tree_digest(layout.stage_dir("validate")) == previous
    assert_every_stage_folder_complete(layout)


# Runs preprocess in a process that SIGKILLs itself right after writing its first shard.
KILLED_AFTER_FIRST_SHARD = """
import os, signal, sys
from pathlib import Path
from cnn_doctor.config import DEFAULT_PARAMS_FILE, load_params
from cnn_doctor.layout import Layout
from cnn_doctor.data import shards
from cnn_doctor.records import load_record
from tasks import preprocess

write_shard = shards.ShardWriter.flush
def write_shard_then_die(writer):
    write_shard(writer)
    if writer.names:
        os.kill(os.getpid(), signal.SIGKILL)
shards.ShardWriter.flush = write_shard_then_die
layout = Layout(Path(sys.argv[1]))
params = load_params(DEFAULT_PARAMS_FILE, sys.argv[2:])
preprocess.preprocess.fn(load_record(layout, "validate"), params.preprocess, layout)
"""


def test_killed_stage_is_not_trusted_and_the_previous_output_stays_until_replaced(digits_folder, tmp_path, fast_params):
    from cnn_doctor.records import load_record
    from tasks.preprocess import preprocess
    from tasks.validate import validate

    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    before = tree_digest(data)
    layout = Layout(tmp_path / "out")
    params = fast_params(*QUICK, "preprocess.shard_size=64")
    validate.fn(data, "", params.validate_params, layout)
    preprocess.fn(load_record(layout, "validate"), params.preprocess, layout)
    complete_output = tree_digest(layout.stage_dir("preprocess"))

    changed = (*QUICK, "preprocess.shard_size=64", "preprocess.image_size=12")
    killed = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_FIRST_SHARD, str(layout.out), *changed],
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=SECONDS_TO_WAIT,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]

    # the half-written rerun is a scratch folder nobody trusts; the old output is whole and still complete
    (scratch,) = layout.out.glob(".tmp-preprocess-*")
    assert (scratch / "train-00000.images.npy").is_file() and not (scratch / COMPLETE_MARKER).exists()
    assert tree_digest(layout.stage_dir("preprocess")) == complete_output
    assert layout.is_complete("preprocess")
    assert load_record(layout, "preprocess").image_shape == (16, 16, 1)

    # the next run rebuilds with the new params and clears the leftover
    preprocess.fn(load_record(layout, "validate"), fast_params(*changed).preprocess, layout)
    assert load_record(layout, "preprocess").image_shape == (12, 12, 1)
    assert not scratch.exists()
    assert_every_stage_folder_complete(layout)
    assert tree_digest(data) == before


# 3. Transient failures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def task_state_names(flow_state, stage: str) -> list[str]:
    """Every state the stage's task run went through, in order."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
        )
        (run,) = [run for run in runs if run.name.rsplit("-", 1)[0] == stage]
        states = client.read_task_run_states(run.id)
    return [state.name for state in sorted(states, key=lambda state: state.timestamp)]


@pytest.mark.slow
def test_a_transient_error_is_retried_and_the_run_completes(prefect_server, digits_folder, tmp_path, monkeypatch):
    import cnn_doctor.data.decoding
    from flows.train_and_diagnose import train_and_diagnose

    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    before = tree_digest(data)
    load_image, calls = cnn_doctor.data.decoding.load_image, []

    def load_image_failing_once(*arguments):
        calls.append(arguments[0])
        if len(calls) == 1:
            raise OSError("Input/output error (injected, once)")
        return load_image(*arguments)

    monkeypatch.setattr(cnn_doctor.data.decoding, "load_image", load_image_failing_once)
    state = train_and_diagnose(
        data=str(data),
        out=str(tmp_path / "out"),
        return_state=True,
        overrides=[*QUICK, "train.epochs=1", "flow.retry_delay_seconds=0"],
    )

    assert state.is_completed(), state.message
    states = task_state_names(state, "preprocess")
    assert "AwaitingRetry" in states or "Retrying" in states, states
    assert states[-1] == "Completed"
    layout = Layout(tmp_path / "out")
    assert read_json(layout.report_json)["status"] == "completed"
    assert_every_stage_folder_complete(layout)
    assert tree_digest(data) == before


@pytest.mark.slow
def test_a_lasting_error_fails_the_flow_after_its_retries_with_no_partial_output(
    prefect_server, digits_folder, tmp_path, monkeypatch
):
    import tasks.augment
    from flows.train_and_diagnose import train_and_diagnose

    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    before = tree_digest(data)
    attempts = []

    def write_json_always_failing(path, payload):
        attempts.append(path)
        raise OSError(28, "No space left on device (injected)")

    monkeypatch.setattr(tasks.augment, "write_json", write_json_always_failing)
    state = train_and_diagnose(
        data=str(data),
        out=str(tmp_path / "out"),
        return_state=True,
        overrides=[*QUICK, "flow.retries=1", "flow.retry_delay_seconds=0"],
    )

    assert state.is_failed()
    assert "No space left on device (injected)" in state.message
    assert len(attempts) == 2  # the first try and one retry
    assert task_state_names(state, "augment")[-1] == "Failed"
    layout = Layout(tmp_path / "out")
    assert layout.is_complete("validate") and layout.is_complete("preprocess")
    assert not layout.stage_dir("augment").exists() and not layout.report_json.exists()
    assert_every_stage_folder_complete(layout)
    assert tree_digest(data) == before


# 4. Two runs at once -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_two_runs_never_write_one_folder_at_once(digits_folder, tmp_path):
    import yaml

    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    before = tree_digest(data)
    shared, other = Layout(tmp_path / "shared"), Layout(tmp_path / "other")
    overrides = (*QUICK, "train.epochs=3")

    # the holder trains longer, so it still holds the folder while the others start (on a busy machine too)
    holder = start_run(data, shared.out, (*QUICK, "train.epochs=15"), tmp_path / "holder.log")
    neighbour = start_run(data, other.out, overrides, tmp_path / "neighbour.log")
    wait_for(
        lambda: any(shared.out.glob(".tmp-*")) or shared.stage_dir("validate").exists(),
        holder,
        "the first run to write",
        tmp_path / "holder.log",
    )

    # a second `cnn-doctor run`, and a DVC stage, into the folder the first run is writing: refused at once
    second = subprocess.run(
        cli_command("run", "--data", str(data), "--out", str(shared.out), *settings(overrides)),
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=SECONDS_TO_WAIT,
    )
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"data": {"source": str(data), "out": str(shared.out)}}))
    stage = subprocess.run(
        cli_command("stage", "validate", "--params", str(params_file)),
        capture_output=True,
        text=True,
        env=cli_environment(),
        timeout=SECONDS_TO_WAIT,
    )
    assert holder.poll() is None, "the first run ended before the others tried its folder: the test proves nothing"
    message = (
        f"cnn-doctor: error: output folder {shared.out} is in use by another cnn-doctor run (process "
        f"{holder.pid}, holding {shared.lock_file}); wait for it to finish, or choose another output folder "
        "(--out or data.out)"
    )
    for refused in (second, stage):
        assert refused.returncode == 1 and refused.stderr.strip() == message, refused.stderr[-2000:]

    finish(holder, tmp_path / "holder.log")
    finish(neighbour, tmp_path / "neighbour.log")
    for layout in (shared, other):
        report = read_json(layout.report_json)
        assert report["status"] == "completed" and report["metrics"]["test_accuracy"] > 0.5
        assert_every_stage_folder_complete(layout)
        assert all(layout.is_complete(stage) for stage in STAGES)
    assert tree_digest(data) == before


def test_checkpoint_gives_early_stopping_and_plateau_their_state_back(tmp_path):
    """What a resumed run's callbacks get back: counters, best value and the best epoch's weights."""
    import keras
    import numpy as np

    from cnn_doctor.training.checkpoint import make_checkpoint_callback, restore_checkpoint

    def model_and_callbacks(resumed=None):
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
        model.compile(keras.optimizers.SGD(5.0), "mse")  # diverges: the best epoch is an early one
        watched = [
            keras.callbacks.EarlyStopping("loss", patience=50, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau("loss", patience=1, factor=0.5),
        ]
        return model, [*watched, make_checkpoint_callback(tmp_path, list(watched), resumed, every_seconds=0)]

    inputs, targets = np.random.default_rng(0).normal(size=(32, 4)), np.zeros((32, 2))
    model, callbacks = model_and_callbacks()
    last_epoch = {}
    keep_last_weights = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: last_epoch.update(weights=model.get_weights())
    )
    model.fit(inputs, targets, epochs=6, verbose=0, callbacks=[*callbacks, keep_last_weights])
    stopper, plateau = callbacks[0], callbacks[1]
    assert stopper.best_epoch < 5 and stopper.best_weights is not None and plateau.best is not None

    fresh, _ = model_and_callbacks()
    resumed = restore_checkpoint(tmp_path, fresh)
    assert resumed["epochs_done"] == 6
    assert all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), last_epoch["weights"]))
    assert float(fresh.optimizer.learning_rate) == float(model.optimizer.learning_rate)
    assert int(fresh.optimizer.iterations) == int(model.optimizer.iterations)
    _, restored = model_and_callbacks(resumed)
    for callback in restored:
        callback.on_train_begin()
    assert (restored[0].wait, restored[0].best, restored[0].best_epoch) == (
        stopper.wait,
        stopper.best,
        stopper.best_epoch,
    )
    assert all(np.array_equal(a, b) for a, b in zip(restored[0].best_weights, stopper.best_weights))
    assert (restored[1].wait, restored[1].best, restored[1].cooldown_counter) == (
        plateau.wait,
        plateau.best,
        plateau.cooldown_counter,
    )


def test_checkpoints_are_spaced_by_checkpoint_seconds_and_keep_the_best_weights(tmp_path):
    """Throttled checkpoints: none within the interval; a later one still holds the best, uncheckpointed epoch."""
    import keras
    import numpy as np

    from cnn_doctor.training.checkpoint import make_checkpoint_callback, restore_checkpoint

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(5.0), "mse")  # diverges: the best epoch is an early one
    stopper = keras.callbacks.EarlyStopping("loss", patience=50, restore_best_weights=True)
    inputs, targets = np.random.default_rng(0).normal(size=(32, 4)), np.zeros((32, 2))
    checkpoint = make_checkpoint_callback(tmp_path, [stopper], None, every_seconds=3600)
    seen = []

    def before_checkpoint(epoch, logs):
        seen.append((tmp_path / "checkpoint.json").exists())
        if epoch == 5:
            checkpoint.last_saved -= 3600  # as if an hour had passed: this epoch's end saves

    clock = keras.callbacks.LambdaCallback(on_epoch_end=before_checkpoint)
    model.fit(inputs, targets, epochs=6, verbose=0, callbacks=[stopper, clock, checkpoint])
    assert seen == [False] * 6  # five quick epochs, well within the hour: no checkpoint
    resumed = restore_checkpoint(tmp_path, keras.models.clone_model(model))
    assert resumed["epochs_done"] == 6 and stopper.best_epoch < 5  # the best epoch itself was never saved
    assert all(np.array_equal(a, b) for a, b in zip(resumed["best_weight_values"], stopper.best_weights))
