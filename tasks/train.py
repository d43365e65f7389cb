"""train: fit the model on tf.data pipelines, with class weights, early stopping and resumable checkpoints,
watched by the doctor (checks before the first step, probes, quick experiments, fix trials)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import DiagnoseParams, ModelParams, TrainParams, one_line
from cnn_doctor.doctor.examination import (
    Watch,
    check_before_training,
    deduplicate,
    diagnose_training,
    run_experiments,
    start_watching,
    verify_fixes,
)
from cnn_doctor.doctor.model_checks import describe_loss, first_step_failed
from cnn_doctor.findings import Finding
from cnn_doctor.layout import Layout, write_json
from cnn_doctor.quiet import import_tensorflow_quietly
from cnn_doctor.records import Augmented, Prepared, Trained, completed, record_payload
from cnn_doctor.run_context import run_logger
from cnn_doctor.training.fitting import Fit, fit_run
from cnn_doctor.training.outputs import score_splits
from cnn_doctor.training.run import Fitted, Run, as_trained


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
    summary = _describe(run, model_params, params, diagnose)
    if blocker:
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    watch = start_watching(run, diagnose)
    judged = as_trained(params, run.user_optimizer)  # before training: a plateau schedule lowers the rate
    fingerprint = _fingerprint(prepared, augmented, model_params, params, diagnose)
    try:
        fit = fit_run(run, params, layout, fingerprint, watch.callbacks)
    except (ValueError, TypeError) as error:  # the user's loss cannot take the labels: a report, no retry
        findings.append(first_step_failed(str(error).strip().splitlines()[-1][:300]))
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    findings += diagnose_training(run, watch, fit.history, judged, diagnose)
    fitted = Fitted(
        run, fit.train_data, fit.val_data, fit.initial_weights, fit.history, judged, model_params,
        fit.class_weight, fit.train_images,
    )  # fmt: skip
    findings, experiments = run_experiments(fitted, findings, diagnose)
    findings, verified = verify_fixes(fitted, deduplicate(findings), layout, diagnose)
    summary |= _what_ran(fit, experiments, verified, watch)
    outputs = score_splits(run.model, layout.stage_dir("preprocess"), prepared.shards, prepared.evaluated_split)
    return _write_train_outputs(layout, run, deduplicate(findings), summary, outputs)


def _describe(run: Run, model_params: ModelParams, params: TrainParams, diagnose: DiagnoseParams) -> dict:
    return {
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


def _what_ran(fit: Fit, experiments: dict, verified: dict, watch: Watch) -> dict:
    probes = watch.probes
    return {
        "epochs_run": len(fit.history.get("loss", [])),
        "seconds": round(fit.seconds, 2),
        "resumed": fit.resumed_after_epoch is not None,
        "resumed_after_epoch": fit.resumed_after_epoch or 0,
        "train_images": fit.train_images,
        "experiments": experiments,
        "verification": verified,
        "probes": {
            "records": probes.records,
            "early_losses": probes.early_losses,
            "update_ratios": probes.update_ratios,
        }
        if probes
        else None,
    }


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
