"""evaluate: test metrics, per-class metrics, confusion matrix, calibration, and what they diagnose."""

from __future__ import annotations

import numpy as np
import pandas as pd
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import EvaluateParams
from cnn_doctor.data.shards import read_shard
from cnn_doctor.doctor.dataset_checks import check_label_flags
from cnn_doctor.doctor.predictions import diagnose_predictions, pixel_statistics
from cnn_doctor.findings import LABEL_CHECK
from cnn_doctor.layout import Layout, read_json, write_json
from cnn_doctor.records import Evaluated, Prepared, Trained, Validated, completed, record_payload
from cnn_doctor.training.outputs import as_probabilities, compute_metrics, usable_outputs


def training_accuracy(outputs: dict, layout: Layout, prepared: Prepared) -> float | None:
    """Accuracy on (a sample of) the un-augmented training split, to compare with the test accuracy."""
    if "train_sample" not in outputs:
        return None
    predictions = outputs["train_sample"].argmax(axis=1)
    labels = read_shard(layout.stage_dir("preprocess"), prepared.shards["train"][0])[1][: len(predictions)]
    return float(np.mean(predictions == labels))


def held_out_agreement(outputs: dict, layout: Layout, prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """On every image training never fitted (validation and test splits): whether the network predicts its
    given label, and whether validate's label-error search flagged it."""
    order = pd.read_csv(layout.splits, dtype="string")
    manifest = layout.read_manifest(columns=("path", "suspected_label_error"))
    if "suspected_label_error" not in manifest:
        manifest["suspected_label_error"] = False
    flags = manifest.drop_duplicates("path").set_index("path")["suspected_label_error"].astype(bool)
    agrees, flagged = [], []
    for split in ("val", "test"):
        if not prepared.shards[split]:
            continue
        labels = read_labels(layout, prepared, split)
        agrees.append(
            outputs[split].argmax(axis=1) == labels
        )  # row i of a split in splits.csv is image i of its shards
        flagged.append(order.loc[order["split"] == split, "path"].map(flags).fillna(False).to_numpy(dtype=bool))
    return np.concatenate(agrees or [np.zeros(0, bool)]), np.concatenate(flagged or [np.zeros(0, bool)])


def read_labels(layout: Layout, prepared: Prepared, split: str) -> np.ndarray:
    return np.concatenate([read_shard(layout.stage_dir("preprocess"), name)[1] for name in prepared.shards[split]])


def other_views(outputs: dict, layout: Layout, prepared: Prepared, labels: np.ndarray) -> dict:
    """What tells a shifted test split and stale batch statistics apart from a weak model: validation accuracy
    and confidence beside the test's, the splits' pixel statistics, and the evaluated split scored with batch
    statistics (networks with batch normalisation only)."""
    views: dict = {}
    if "batch_statistics" in outputs:
        views["batch_statistics_accuracy"] = float(np.mean(outputs["batch_statistics"].argmax(axis=1) == labels))
    if prepared.evaluated_split != "test" or "val" not in outputs:
        return views
    val_labels = read_labels(layout, prepared, "val")
    views["val_accuracy"] = float(np.mean(outputs["val"].argmax(axis=1) == val_labels))
    views["val_images"] = int(len(val_labels))
    views["split_confidence"] = {split: float(outputs[split].max(axis=1).mean()) for split in ("val", "test")}
    views["split_statistics"] = split_statistics(layout, prepared)
    return views


def split_statistics(layout: Layout, prepared: Prepared) -> dict:
    """The training and test splits' pixel statistics (`pixel_statistics`), on a sample: the first two shards
    of each hold thousands of images."""
    return pixel_statistics(
        {
            split: np.concatenate(
                [read_shard(layout.stage_dir("preprocess"), name)[0] for name in prepared.shards[split][:2]]
            )
            for split in ("train", "test")
        }
    )


def read_outputs(layout: Layout, outputs_are_logits: bool) -> dict[str, np.ndarray]:
    """The trained network's outputs per split (train wrote them), as probabilities."""
    with np.load(layout.model_outputs) as stored:
        return {split: as_probabilities(stored[split], outputs_are_logits) for split in stored.files}


@task(name="evaluate", cache_policy=STAGE_CACHE, persist_result=True)
def evaluate(
    validated: Validated, prepared: Prepared, trained: Trained, params: EvaluateParams, layout: Layout
) -> Evaluated:
    """Score the model on the test split (validation split if none); write its metrics and findings.

    `trained` names the model `layout.model` holds and `validated` the manifest whose label flags are checked:
    their digests make a new model or manifest re-evaluate.
    """
    classes = list(prepared.classes)
    split = prepared.evaluated_split
    labels = read_labels(layout, prepared, split)
    outputs = read_outputs(layout, trained.outputs_are_logits)
    probabilities = outputs[split]
    if probabilities.ndim != 2 or probabilities.shape[1] != len(classes):
        raise ValueError(f"The model outputs shape {probabilities.shape[1:]}, expected ({len(classes)},).")
    probabilities, non_finite_share = usable_outputs(probabilities)
    metrics = compute_metrics(probabilities, labels, classes)
    metrics["non_finite_outputs"] = non_finite_share
    metrics["evaluated_split"] = split
    metrics["outputs_are_logits"] = trained.outputs_are_logits
    metrics["train_accuracy"] = training_accuracy(outputs, layout, prepared)
    metrics |= other_views(outputs, layout, prepared, labels)
    validation = layout.summary("validate")
    metrics["reference"] = read_json(validation).get("reference") if validation.is_file() else None
    metrics[LABEL_CHECK] = check_label_flags(*held_out_agreement(outputs, layout, prepared), len(classes))
    findings = diagnose_predictions(metrics, classes, params)
    record = Evaluated(test_accuracy=metrics["test_accuracy"])
    with layout.writing_stage("evaluate") as folder:
        write_json(
            folder / layout.metrics.name,
            {
                k: metrics[k]
                for k in ("test_accuracy", "test_loss", "macro_f1", "expected_calibration_error", "test_images")
            },
        )
        pd.DataFrame(metrics["per_class"]).T.rename_axis("class").to_csv(folder / layout.per_class_metrics.name)
        pd.DataFrame(metrics["confusion_matrix"], index=classes, columns=classes).rename_axis("actual").to_csv(
            folder / layout.confusion_matrix.name
        )
        names = np.asarray(classes)
        pd.DataFrame({"actual": names[labels], "predicted": names[probabilities.argmax(1)]}).to_csv(
            folder / layout.predictions.name, index=False
        )
        write_json(folder / layout.findings("evaluate").name, [finding.to_dict() for finding in findings])
        write_json(
            folder / layout.summary("evaluate").name,
            {"stage": "evaluate", "metrics": metrics, "params": params.model_dump(mode="json")},
        )
        write_json(folder / layout.record("evaluate").name, record_payload(record))
    return completed(record, layout, "evaluate")
