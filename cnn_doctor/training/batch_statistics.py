"""Batch normalisation's moving statistics at the end of training, before EarlyStopping restores its best weights.

A network whose moving mean and variance never catch up with its weights (momentum 1.0, or 0.99 with few steps)
scores at chance at inference while it learns in training mode; EarlyStopping then restores the first epoch's
weights and the evaluated model shows nothing. This callback scores a validation sample both ways on the weights
training ended with.
"""

from __future__ import annotations

import keras
import numpy as np

from cnn_doctor.training.outputs import as_probabilities, predict, predict_with_batch_statistics

SAMPLE = 512  # validation images scored both ways


class BatchStatisticsAtEnd(keras.callbacks.Callback):
    """Accuracy on `images` with the moving statistics (`inference`) and with each batch's own (`batch`), measured
    at the end of training; the model's weights, moving statistics included, are left as they were. Put it
    before EarlyStopping in the callbacks: Keras calls them in order."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, from_logits: bool):
        super().__init__()
        self.images, self.labels, self.from_logits = images[:SAMPLE], labels[:SAMPLE], from_logits
        self.inference: float | None = None
        self.batch: float | None = None

    def on_train_end(self, logs=None):
        weights = self.model.get_weights()  # training=True moves the moving statistics: put them back after
        self.inference = self._accuracy(predict(self.model, self.images))
        self.batch = self._accuracy(predict_with_batch_statistics(self.model, self.images))
        self.model.set_weights(weights)

    def _accuracy(self, outputs: np.ndarray) -> float:
        return float(np.mean(as_probabilities(outputs, self.from_logits).argmax(axis=1) == self.labels))
