"""Resuming a killed training run: an atomic checkpoint at epoch ends, and the state to restore."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np

from cnn_doctor.layout import read_json, write_json, write_text
from cnn_doctor.run_context import run_logger


def prepare_backup(backup_dir: Path, fingerprint: str) -> bool:
    """Keep checkpoints only when they come from the same inputs; returns whether a resume is possible."""
    marker = backup_dir / "fingerprint.txt"
    if marker.is_file() and marker.read_text() == fingerprint:
        return True
    shutil.rmtree(backup_dir, ignore_errors=True)
    backup_dir.mkdir(parents=True)
    write_text(marker, fingerprint)
    return False


# Resuming a killed run. At the end of an epoch (at most one every `train.checkpoint_seconds`) the backup
# folder gets, atomically, the weights with the optimizer's state (epoch-NNNN.weights.h5), early stopping's
# best weights so far (best-epoch-NNNN.npz) and checkpoint.json naming them, with the probes' records and the
# early-stopping and plateau counters. history.csv (Keras' CSVLogger) may hold rows of epochs that ended
# after the last checkpoint: they are cut off before training goes on.
CHECKPOINT_STATE = "checkpoint.json"
PROBE_STATE = ("records", "early_losses", "update_ratios")


def _stateful_callbacks(callbacks: list) -> dict:
    import keras

    found = {}
    for callback in callbacks:
        if all(hasattr(callback, name) for name in PROBE_STATE):
            found["probes"] = callback
        elif isinstance(callback, keras.callbacks.EarlyStopping):
            found["early_stopping"] = callback
        elif isinstance(callback, keras.callbacks.ReduceLROnPlateau):
            found["plateau"] = callback
    return found


def _number(value):
    return None if value is None else float(value)


def _write_durably(path: Path, write) -> None:
    """Write through a partial file, fsync it and rename it: on disk before checkpoint.json names it."""
    partial = path.with_name(f"partial-{path.name}")  # keeps the suffix Keras and NumPy insist on
    write(partial)
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)


def save_checkpoint(backup_dir: Path, model, epochs_done: int, callbacks: list) -> None:
    previous = read_checkpoint(backup_dir) or {}
    weights = f"epoch-{epochs_done:04d}.weights.h5"
    _write_durably(backup_dir / weights, model.save_weights)
    state = {"epochs_done": epochs_done, "weights": weights, "best_weights": previous.get("best_weights")}
    stateful = _stateful_callbacks(callbacks)
    if "probes" in stateful:
        state["probes"] = {name: getattr(stateful["probes"], name) for name in PROBE_STATE}
    if stopper := stateful.get("early_stopping"):
        state["early_stopping"] = {
            "wait": stopper.wait,
            "best": _number(stopper.best),
            "best_epoch": stopper.best_epoch,
        }
        if stopper.restore_best_weights and stopper.best_weights is not None:
            # from early stopping's own copy: the best epoch may be one that was not checkpointed
            state["best_weights"] = f"best-epoch-{stopper.best_epoch + 1:04d}.npz"
            if state["best_weights"] != previous.get("best_weights"):
                _write_durably(backup_dir / state["best_weights"], lambda path: np.savez(path, *stopper.best_weights))
    if plateau := stateful.get("plateau"):
        state["plateau"] = {
            "wait": plateau.wait,
            "best": _number(plateau.best),
            "cooldown_counter": plateau.cooldown_counter,
        }
    write_json(backup_dir / CHECKPOINT_STATE, state)
    for stale in [*backup_dir.glob("*.weights.h5"), *backup_dir.glob("*.npz")]:
        if stale.name not in (weights, state["best_weights"]):
            stale.unlink(missing_ok=True)


def read_checkpoint(backup_dir: Path) -> dict | None:
    path = backup_dir / CHECKPOINT_STATE
    return read_json(path) if path.is_file() else None


def restore_checkpoint(backup_dir: Path, model) -> dict | None:
    """Load the last completed epoch's weights and optimizer state; None (and a fresh start) if there is none
    or it cannot be read."""
    try:
        state = read_checkpoint(backup_dir)
        if not state:
            return None
        if model.optimizer is not None and not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        if state.get("best_weights"):
            with np.load(backup_dir / state["best_weights"], allow_pickle=False) as stored:
                state["best_weight_values"] = [stored[f"arr_{index}"] for index in range(len(stored.files))]
        model.load_weights(backup_dir / state["weights"])
        return state
    except Exception as error:  # a checkpoint that cannot be read must not block every later run
        run_logger().warning("Training checkpoint in %s unreadable (%s); training starts over.", backup_dir, error)
        for path in backup_dir.iterdir():
            if path.name != "fingerprint.txt":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        return None


def keep_history(path: Path, epochs_done: int) -> None:
    """Cut history.csv back to the epochs the checkpoint holds."""
    if not path.is_file():
        return
    lines = path.read_text().splitlines(keepends=True)
    kept = lines[:1] + [
        line
        for line in lines[1:]
        if line.split(",", 1)[0].isdigit() and int(line.split(",", 1)[0]) < epochs_done and line.endswith("\n")
    ]
    write_text(path, "".join(kept))


def make_checkpoint_callback(backup_dir: Path, callbacks: list, resumed: dict | None, every_seconds: float):
    import keras

    class TrainingCheckpoint(keras.callbacks.Callback):
        """Save the state of training at epoch ends, at most every `every_seconds`; on resume, give the other
        callbacks theirs back."""

        def on_train_begin(self, logs=None):
            self.last_saved = time.monotonic()
            if not resumed:
                return
            stateful = _stateful_callbacks(callbacks)
            if "probes" in stateful and "probes" in resumed:  # replaces the record the probes just took
                for name in PROBE_STATE:
                    getattr(stateful["probes"], name)[:] = resumed["probes"][name]
            if (stopper := stateful.get("early_stopping")) and "early_stopping" in resumed:
                vars(stopper).update(resumed["early_stopping"])
                stopper.best_weights = resumed.get("best_weight_values")
            if (plateau := stateful.get("plateau")) and "plateau" in resumed:
                vars(plateau).update(resumed["plateau"])

        def on_epoch_end(self, epoch, logs=None):
            # On epochs of a fraction of a second the checkpoint would cost ~4% of training (bench/README.md);
            # a killed run redoes at most `every_seconds` of training.
            if time.monotonic() - self.last_saved >= every_seconds:
                save_checkpoint(backup_dir, self.model, epoch + 1, callbacks)
                self.last_saved = time.monotonic()

    return TrainingCheckpoint()
