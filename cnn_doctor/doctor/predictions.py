"""Evaluation findings: what the test predictions show (collapse, calibration, confusions, a suspicious score)."""

from __future__ import annotations

import numpy as np

from cnn_doctor.config import EvaluateParams
from cnn_doctor.findings import Finding

COLLAPSE_EXCESS = 0.25  # a class predicted this much more often than it occurs (as a share of the test set)


def diagnose_predictions(metrics: dict, classes: list[str], params: EvaluateParams) -> list[Finding]:
    if metrics.get("non_finite_outputs"):
        return [_broken_outputs(metrics["non_finite_outputs"])]
    findings = _label_mapping_mismatch(metrics, classes)
    shares = np.asarray(metrics["predicted_share"])
    present = [name for name, row in metrics["per_class"].items() if row["support"] > 0]
    support = np.asarray([metrics["per_class"][name]["support"] for name in classes], dtype=float)
    true_shares = support / max(support.sum(), 1.0)
    # one class takes half the predictions, far beyond its share of the test images (a majority class
    # predicted in proportion is not a collapse)
    excess = shares - true_shares
    if len(classes) > 2 and shares.max() >= 0.5 and excess[shares.argmax()] >= COLLAPSE_EXCESS:
        top = classes[int(shares.argmax())]
        findings.append(
            Finding(
                "prediction_collapse",
                "critical",
                "evaluate",
                f"The model predicts {top!r} for {shares.max():.0%} of test images.",
                "Check class balance (train.class_weight=auto, augment.balance=true) and the learning rate.",
                {"predicted_share": dict(zip(classes, shares.round(4).tolist()))},
            )
        )
    collapsed = {
        name: row["recall"]
        for name, row in metrics["per_class"].items()
        if row["support"] > 0 and row["recall"] < params.min_class_recall
    }
    if collapsed and len(collapsed) < len(present):
        findings.append(
            Finding(
                "minority_class_collapse",
                "warning",
                "evaluate",
                f"{len(collapsed)} class(es) are almost never recognised: {', '.join(map(repr, collapsed))}.",
                "Collect more images of these classes; keep train.class_weight=auto and augment.balance=true.",
                {"recall": collapsed, "threshold": params.min_class_recall},
            )
        )
    if metrics["expected_calibration_error"] > params.max_calibration_error:
        findings.append(_poor_calibration(metrics, params))
    findings += _suspiciously_high(metrics, params)
    findings += _confusable(metrics, classes)
    return findings


# Scored this far below chance on the evaluated split while the training images are learned (twice chance or
# more), the model is not guessing: it answers consistently with labels that mean other classes.
BELOW_CHANCE = 0.5


def _label_mapping_mismatch(metrics: dict, classes: list[str]) -> list[Finding]:
    chance, train_accuracy = 1.0 / len(classes), metrics.get("train_accuracy")
    if train_accuracy is None or metrics["test_accuracy"] >= BELOW_CHANCE * chance or train_accuracy < 2 * chance:
        return []
    matrix = np.asarray(metrics["confusion_matrix"])
    taken_for = {
        classes[row]: classes[int(matrix[row].argmax())]
        for row in range(len(classes))
        if matrix[row].sum() and matrix[row].argmax() != row
    }
    return [
        Finding(
            "label_mapping_mismatch",
            "critical",
            "evaluate",
            f"Test accuracy {metrics['test_accuracy']:.3f} is far below chance ({chance:.3f}) while training "
            f"accuracy is {train_accuracy:.3f}: the test labels name other classes than the training labels.",
            "Use the same label names (or class order) in every split of the manifest; the model's answers "
            "suggest this mapping: " + ", ".join(f"{given!r} -> {meant!r}" for given, meant in taken_for.items()),
            {
                "test_accuracy": metrics["test_accuracy"],
                "train_accuracy": train_accuracy,
                "chance": chance,
                "test_label_predicted_as": taken_for,
            },
        )
    ]


def _broken_outputs(share: float) -> Finding:
    """NaN or infinite outputs: nothing else the predictions show means anything."""
    return Finding(
        "prediction_collapse",
        "critical",
        "evaluate",
        f"The model outputs NaN or infinite values for {share:.0%} of test images: it predicts nothing there.",
        "The weights blew up in training or the output activation overflows: see the leading cause; use a "
        "softmax output with cross-entropy and a lower train.learning_rate.",
        {"non_finite_share": share},
    )


def _poor_calibration(metrics: dict, params: EvaluateParams) -> Finding:
    confidence, accuracy = metrics["mean_confidence"], metrics["test_accuracy"]
    underconfident = confidence < accuracy
    return Finding(
        "poor_calibration",
        "warning",
        "evaluate",
        f"Confidence does not match accuracy: expected calibration error {metrics['expected_calibration_error']:.3f} "
        f"(limit {params.max_calibration_error}); the model is {'under' if underconfident else 'over'}confident "
        f"(mean confidence {confidence:.2f}, accuracy {accuracy:.2f}).",
        "Its outputs are flattened: lower the label smoothing or the regularisation in your loss, or calibrate "
        "(temperature scaling) before reading scores as probabilities."
        if underconfident
        else "Do not read the scores as probabilities; add regularisation (model.dropout, model.l2) or calibrate.",
        {
            "expected_calibration_error": metrics["expected_calibration_error"],
            "mean_confidence": confidence,
            "accuracy": accuracy,
        },
    )


def _suspiciously_high(metrics: dict, params: EvaluateParams) -> list[Finding]:
    train_accuracy = metrics.get("train_accuracy")
    if train_accuracy is None or metrics["test_accuracy"] <= train_accuracy + params.max_test_above_train:
        return []
    return [
        Finding(
            "suspiciously_high_accuracy",
            "warning",
            "evaluate",
            f"Test accuracy {metrics['test_accuracy']:.3f} is above training accuracy {train_accuracy:.3f}: "
            "the test set is easier than the training set, or leaks into it.",
            "Training labels noisier than the test labels, or test images that leak into training, do this: "
            "list likely mislabelled training images (validate.label_errors=true) and check split_leakage; "
            "or let cnn-doctor split the data (drop the split column).",
            {
                "test_accuracy": metrics["test_accuracy"],
                "train_accuracy": train_accuracy,
                "margin": params.max_test_above_train,
            },
        )
    ]


def _confusable(metrics: dict, classes: list[str]) -> list[Finding]:
    matrix = np.asarray(metrics["confusion_matrix"])
    np.fill_diagonal(matrix, 0)
    if matrix.sum() == 0:
        return []
    pairs = sorted(((int(matrix[i, j]), classes[i], classes[j]) for i, j in zip(*np.nonzero(matrix))), reverse=True)[:3]
    return [
        Finding(
            "confusable_classes",
            "info",
            "evaluate",
            "Most confused: " + ", ".join(f"{true!r} taken for {pred!r} ({n}x)" for n, true, pred in pairs) + ".",
            "Look at these classes' images side by side; more varied examples of each help most.",
            {"pairs": [{"true": true, "predicted": pred, "count": n} for n, true, pred in pairs]},
        )
    ]
