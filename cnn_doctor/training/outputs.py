"""The trained network's outputs on the splits evaluate scores, how to read them as probabilities, and what
they score (accuracy, per-class metrics, confusions, calibration).

train scores the splits itself while it holds the network in memory and writes the raw outputs
(`Layout.model_outputs`): evaluate then never deserialises a model that may hold a user's unregistered custom
layers, losses or Lambda layers, which Keras could not load back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnn_doctor.data.shards import read_all, read_shard
from cnn_doctor.training.models import all_layers

TRAIN_SAMPLE = 5000  # training images scored for the train/test comparison
PREDICT_BATCH = 256
# a row of outputs is a probability distribution when its entries are >= 0 and sum to 1 within this
DISTRIBUTION_TOLERANCE = 1e-3


def has_batch_normalization(model) -> bool:
    return any(type(layer).__name__ == "BatchNormalization" for layer in all_layers(model))


def predict(model, images: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(images.astype("float32"), batch_size=PREDICT_BATCH, verbose=0), dtype=np.float64)


def predict_with_batch_statistics(model, images: np.ndarray) -> np.ndarray:
    """Outputs with each batch normalised by its own statistics (`training=True`) instead of the moving ones.
    Dropout is on too, so this is conservative. It moves the in-memory moving statistics: call it last."""
    outputs = [
        np.asarray(model(images[start : start + PREDICT_BATCH].astype("float32"), training=True), dtype=np.float64)
        for start in range(0, len(images), PREDICT_BATCH)
    ]
    return np.concatenate(outputs) if outputs else np.zeros((0, 0))


def score_splits(model, folder: Path, shards: dict[str, tuple[str, ...]], evaluated_split: str) -> dict:
    """Raw outputs on the validation and test splits, a sample of the (un-augmented) training split and, for a
    network with batch normalisation, the evaluated split scored with batch statistics."""
    splits = {"val", "test", evaluated_split}
    outputs = {split: predict(model, read_all(folder, shards[split])[0]) for split in sorted(splits) if shards[split]}
    if shards["train"]:
        outputs["train_sample"] = predict(model, np.asarray(read_shard(folder, shards["train"][0])[0][:TRAIN_SAMPLE]))
    if shards[evaluated_split] and has_batch_normalization(model):
        images = read_all(folder, shards[evaluated_split])[0]
        outputs["batch_statistics"] = predict_with_batch_statistics(model, images)
    return outputs


def as_probabilities(outputs: np.ndarray, from_logits: bool) -> np.ndarray:
    """The outputs as class probabilities: a softmax over logits (the loss says `from_logits=True`, or rows
    hold negative values), rows of non-negative scores that do not sum to 1 (sigmoid or ReLU outputs)
    divided by their sum. Rows holding NaN or infinity are left as they are."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim == 2 and outputs.shape[1] == 1:
        return single_unit_probabilities(outputs, from_logits)
    finite = np.isfinite(outputs).all(axis=1)
    rows = outputs[finite]
    if from_logits or (rows < -DISTRIBUTION_TOLERANCE).any():
        shifted = np.exp(rows - rows.max(axis=1, keepdims=True))
        converted = shifted / shifted.sum(axis=1, keepdims=True)
    elif rows.size and (np.abs(rows.sum(axis=1) - 1.0) > DISTRIBUTION_TOLERANCE).any():
        sums = rows.sum(axis=1, keepdims=True)
        converted = np.where(sums > 0, rows / np.where(sums > 0, sums, 1.0), 1.0 / outputs.shape[1])
    else:
        return outputs
    result = outputs.copy()
    result[finite] = converted
    return result


def single_unit_probabilities(outputs: np.ndarray, from_logits: bool) -> np.ndarray:
    """One output unit for two classes (a `Dense(1, "sigmoid")` binary model) as two columns: the unit is the
    second class's probability (its sigmoid when it holds logits: the loss says so, or values outside 0-1)."""
    scores = outputs[:, 0]
    finite = np.isfinite(scores)
    if from_logits or (np.abs(scores[finite] - 0.5) > 0.5 + DISTRIBUTION_TOLERANCE).any():
        scores = np.where(finite, 1.0 / (1.0 + np.exp(-np.clip(scores, -500, 500))), scores)
    return np.stack([1.0 - scores, scores], axis=1)


CALIBRATION_BINS = 15


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted by bin size."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    bins = np.minimum((confidence * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    gaps = [
        abs(confidence[bins == b].mean() - correct[bins == b].mean()) * np.mean(bins == b)
        for b in range(CALIBRATION_BINS)
        if np.any(bins == b)
    ]
    return float(np.sum(gaps))


def usable_outputs(outputs: np.ndarray) -> tuple[np.ndarray, float]:
    """The model's outputs with every row holding NaN or infinity replaced by a uniform row (the model predicts
    nothing there: a broken model still gets a report); and the share of such rows."""
    finite = np.isfinite(outputs).all(axis=1)
    return np.where(finite[:, None], outputs, 1.0 / outputs.shape[1]), float(1.0 - finite.mean())


def compute_metrics(probabilities: np.ndarray, labels: np.ndarray, classes: list[str]) -> dict:
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, log_loss, precision_recall_fscore_support

    predictions = probabilities.argmax(axis=1)
    label_ids = list(range(len(classes)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predictions, labels=label_ids, zero_division=0
    )
    clipped = np.clip(probabilities.astype(np.float64), 1e-7, 1.0)
    return {
        "test_accuracy": float(accuracy_score(labels, predictions)),
        "test_loss": float(log_loss(labels, clipped / clipped.sum(1, keepdims=True), labels=label_ids)),
        "macro_f1": float(f1_score(labels, predictions, labels=label_ids, average="macro", zero_division=0)),
        "expected_calibration_error": expected_calibration_error(probabilities, labels),
        "mean_confidence": float(probabilities.max(axis=1).mean()),
        "test_images": int(len(labels)),
        "per_class": {
            name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for name, p, r, f, s in zip(classes, precision, recall, f1, support)
        },
        "confusion_matrix": confusion_matrix(labels, predictions, labels=label_ids).tolist(),
        "predicted_share": (np.bincount(predictions, minlength=len(classes)) / len(predictions)).tolist(),
    }
