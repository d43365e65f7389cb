"""train: fit the model on tf.data pipelines, with class weights, early stopping and resumable checkpoints,
watched by the doctor (checks before the first step, probes, quick experiments, fix trials)."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import DiagnoseParams, ModelParams, TrainParams, one_line
from cnn_doctor.data.shards import read_shard
from cnn_doctor.doctor.curves import diagnose_curves
from cnn_doctor.doctor.examination import check_before_training, deduplicate, run_experiments, verify_fixes
from cnn_doctor.doctor.model_checks import (
    check_regularization,
    describe_loss,
    first_step_failed,
    largest_dropout,
    regularization_share,
)
from cnn_doctor.doctor.predictions import stale_statistics
from cnn_doctor.doctor.probes import diagnose_probes, make_probe_callback
from cnn_doctor.findings import Finding
from cnn_doctor.layout import Layout, write_json
from cnn_doctor.progress import interactive
from cnn_doctor.quiet import import_tensorflow_quietly
from cnn_doctor.records import Augmented, Prepared, Trained, completed, record_payload
from cnn_doctor.run_context import run_logger
from cnn_doctor.training.checkpoint import keep_history, prepare_backup, restore_checkpoint
from cnn_doctor.training.outputs import score_splits
from cnn_doctor.training.run import (
    Fitted,
    Run,
    as_trained,
    class_weights,
    make_callbacks,
    make_optimizer,
    optimizer_steps,
    read_history,
)


@task(name="train", cache_policy=STAGE_CACHE, persist_result=True)
def train(
    prepared: Prepared,
    augmented: Augmented,
    model_params: ModelParams,
    params: TrainParams,
    diagnose: DiagnoseParams,
    layout: Layout,
) -> Trained:
    """Fit the model, watched by the doctor's probes, and write it with its history and findings."""
    import_tensorflow_quietly()
    run = Run(layout, prepared, augmented, model_params, params)
    findings, blocker = check_before_training(run, diagnose, params.batch_size)
    summary = {
        "stage": "train",
        "model_name": run.model.name,
        "user_compiled": run.user_compiled,
        "parameters": int(run.model.count_params()),
        "devices": run.devices,
        "params": {
            "model": model_params.model_dump(mode="json"),
            "train": params.model_dump(mode="json"),
            "diagnose": diagnose.model_dump(mode="json"),
        },
    }
    if blocker:
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    train_data, val_data, train_count = run.datasets(params)
    with run.strategy.scope():
        run.model.compile(
            optimizer=run.user_optimizer or make_optimizer(params, math.ceil(train_count / params.batch_size)),
            loss=run.loss,
            metrics=["accuracy"],
        )
    initial_weights = run.model.get_weights()
    initial_decay_share = regularization_share(
        run.model, run.loss_function(), *run.probe_batch(diagnose.probe_batch_size)
    )
    judged = as_trained(params, run.user_optimizer)  # before training: a plateau schedule lowers the rate
    probes = (
        make_probe_callback(*run.probe_batch(diagnose.probe_batch_size), run.loss_function(), run.core, run.feed)
        if diagnose.probes
        else None
    )
    watch = run.batch_statistics_watch(describe_loss(run.loss)[1])
    resumed = None
    if prepare_backup(layout.backup, _fingerprint(prepared, augmented, model_params, params, diagnose)):
        with run.strategy.scope():
            resumed = restore_checkpoint(layout.backup, run.model)
    epochs_done = resumed["epochs_done"] if resumed else 0
    keep_history(layout.training_log, epochs_done)
    if resumed:
        run_logger().info("Resuming training after epoch %d (checkpoint in %s).", epochs_done, layout.backup)
    labels = np.concatenate([read_shard(folder, name)[1] for folder, name in run.train_shards])
    weights = class_weights(labels, len(run.classes)) if params.class_weight == "auto" else None
    started = time.perf_counter()
    try:
        run.model.fit(
            train_data,
            validation_data=val_data,
            epochs=params.epochs,
            initial_epoch=epochs_done,
            shuffle=False,
            class_weight=weights,
            callbacks=make_callbacks(params, layout, val_data is not None, [c for c in (probes, watch) if c], resumed),
            verbose=1 if interactive() else 0,
        )
    except (ValueError, TypeError) as error:
        reason = str(error).strip().splitlines()[-1][:300]
        findings.append(first_step_failed(reason))
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    seconds = time.perf_counter() - started
    history = read_history(layout.training_log)
    params = judged  # from here on the doctor judges what really ran
    findings += diagnose_curves(history, len(run.classes), params, diagnose, optimizer_steps(run.model))
    findings += check_regularization(
        regularization_share(run.model, run.loss_function(), *run.probe_batch(diagnose.probe_batch_size)),
        largest_dropout(run.model),
        max(history.get("accuracy") or [0.0]),
        diagnose,
        initial_decay_share,
    )
    if watch and watch.batch is not None:  # the weights training ended with, before EarlyStopping restored any
        findings += stale_statistics(watch.batch, watch.inference, len(watch.labels), "train")
    if probes:
        findings += diagnose_probes(
            probes.records, probes.early_losses, probes.update_ratios, len(run.classes), params.learning_rate, diagnose
        )
    fitted = Fitted(run, train_data, val_data, initial_weights, history, params, model_params, weights, train_count)
    findings, experiments = run_experiments(fitted, findings, diagnose)
    findings, verified = verify_fixes(fitted, deduplicate(findings), layout, diagnose)
    summary.update(
        epochs_run=len(history.get("loss", [])),
        seconds=round(seconds, 2),
        resumed=bool(resumed),
        resumed_after_epoch=epochs_done,
        train_images=train_count,
        experiments=experiments,
        verification=verified,
        probes={"records": probes.records, "early_losses": probes.early_losses, "update_ratios": probes.update_ratios}
        if probes
        else None,
    )
    outputs = score_splits(run.model, layout.stage_dir("preprocess"), prepared.shards, prepared.evaluated_split)
    return _write_train_outputs(layout, run, deduplicate(findings), summary, outputs)


def _write_train_outputs(
    layout: Layout, run: Run | None, findings: list[Finding], summary: dict, outputs: dict | None = None
) -> Trained:
    logits = run is not None and describe_loss(run.loss)[1]
    record = Trained(stopped_by=summary.get("stopped_by"), outputs_are_logits=logits)
    with layout.writing_stage("train") as folder:
        if outputs is not None:
            summary["model_saved"] = _save_model(run.model, folder / layout.model.name)
            np.savez(folder / layout.model_outputs.name, **outputs)
            shutil.copy(layout.training_log, folder / layout.history.name)
        write_json(folder / layout.findings("train").name, [finding.to_dict() for finding in findings])
        write_json(folder / layout.summary("train").name, summary)
        write_json(folder / layout.record("train").name, record_payload(record))
    shutil.rmtree(layout.backup, ignore_errors=True)
    return completed(record, layout, "train")


def _save_model(model, path: Path) -> str:
    """The whole model when Keras can serialise it, else its weights (a subclassed model without get_config)."""
    try:
        model.save(path)
        return path.name
    except Exception as error:
        weights = path.with_name("model.weights.h5")
        model.save_weights(weights)
        run_logger().warning("Saved only the weights (%s): Keras cannot save this model: %s", weights, one_line(error))
        return weights.name


def _fingerprint(
    prepared: Prepared, augmented: Augmented, model_params: ModelParams, params: TrainParams, diagnose: DiagnoseParams
) -> str:
    """What a checkpoint must match to be resumed: the input stages' contents, the params, a builder's code."""
    builder = model_params.builder_file
    parts = [
        prepared.digest,
        augmented.digest,
        *(p.model_dump(mode="json") for p in (model_params, params, diagnose)),
        hashlib.blake2b(builder.read_bytes(), digest_size=16).hexdigest() if builder and builder.is_file() else None,
    ]
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
