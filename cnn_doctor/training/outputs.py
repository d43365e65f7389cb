"""The trained network's outputs on the splits evaluate scores, and how to read them as probabilities.

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
