"""One training run of the pipeline's train stage: compile, resume from a checkpoint when one matches, weight
the classes, fit with the callbacks the doctor hands in, and time it."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from cnn_doctor.config import TrainParams
from cnn_doctor.data.shards import read_shard
from cnn_doctor.layout import Layout
from cnn_doctor.progress import interactive
from cnn_doctor.run_context import run_logger
from cnn_doctor.training.checkpoint import keep_history, prepare_backup, restore_checkpoint
from cnn_doctor.training.run import Run, class_weights, make_callbacks, make_optimizer, read_history


@dataclass(frozen=True)
class Fit:
    """What a finished `model.fit` leaves: the data it trained on, the weights it started from, its history."""

    train_data: object
    val_data: object
    train_images: int
    initial_weights: list
    class_weight: dict | None
    history: dict
    seconds: float
    resumed_after_epoch: int | None  # None: a fresh start


def compile_run(run: Run, params: TrainParams) -> tuple[object, object, int]:
    """The run's datasets (train, validation or None, training image count), its model compiled for them."""
    train_data, val_data, train_count = run.datasets(params)
    with run.strategy.scope():
        run.model.compile(
            optimizer=run.user_optimizer or make_optimizer(params, math.ceil(train_count / params.batch_size)),
            loss=run.loss,
            metrics=["accuracy"],
        )
    return train_data, val_data, train_count


def fit_run(run: Run, params: TrainParams, layout: Layout, fingerprint: str, watchers: list) -> Fit:
    """Train the compiled run's model, resuming from `layout.backup` when its checkpoint matches `fingerprint`;
    `watchers` are callbacks called before Keras' own (they see the weights before EarlyStopping restores any).
    A user's loss that cannot take the labels raises Keras' ValueError or TypeError."""
    train_data, val_data, train_count = compile_run(run, params)
    initial_weights = run.model.get_weights()
    resumed = None
    if prepare_backup(layout.backup, fingerprint):
        with run.strategy.scope():
            resumed = restore_checkpoint(layout.backup, run.model)
    epochs_done = resumed["epochs_done"] if resumed else 0
    keep_history(layout.training_log, epochs_done)
    if resumed:
        run_logger().info("Resuming training after epoch %d (checkpoint in %s).", epochs_done, layout.backup)
    labels = np.concatenate([read_shard(folder, name)[1] for folder, name in run.train_shards])
    weights = class_weights(labels, len(run.classes)) if params.class_weight == "auto" else None
    started = time.perf_counter()
    run.model.fit(
        train_data,
        validation_data=val_data,
        epochs=params.epochs,
        initial_epoch=epochs_done,
        shuffle=False,
        class_weight=weights,
        callbacks=make_callbacks(params, layout, val_data is not None, watchers, resumed),
        verbose=1 if interactive() else 0,
    )
    seconds = time.perf_counter() - started
    history = read_history(layout.training_log)
    return Fit(
        train_data, val_data, train_count, initial_weights, weights, history, seconds, epochs_done if resumed else None
    )
