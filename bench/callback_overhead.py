"""What DoctorCallback costs a user's own `model.fit`: the same fit (same data, model, seed) with and without
the callback, alternated in one process, as ratios. Two numbers: the training itself, from the first step to
the last epoch's end (the probes, the curves, the NaN watch: the issue's 5% budget), and the whole call,
which adds the static checks before the first step and the report after the last (fixed costs of about a
second each, whatever the length of training).

Run: .venv/bin/python bench/callback_overhead.py             (4,000 Fashion-MNIST photos, 28x28, 5 epochs)
     .venv/bin/python bench/callback_overhead.py --digits    (scikit-learn's 1,797 digits, 8x8, 20 epochs)
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from cnn_doctor import DoctorCallback  # noqa: E402

REPEATS = 3


def load(digits: bool):
    from sklearn.model_selection import train_test_split

    if digits:
        from sklearn.datasets import load_digits

        loaded = load_digits()
        images, labels = (loaded.images[..., None] * (255 / 16)).astype("float32"), loaded.target
        return (*train_test_split(images, labels, test_size=0.25, random_state=0), 20)
    from cnn_doctor.data.fashion_mnist import first_per_class, read_split

    images, labels = read_split("train")
    chosen = first_per_class(labels, 400)
    images, labels = images[chosen].reshape(-1, 28, 28, 1).astype("float32"), labels[chosen]
    return (*train_test_split(images, labels, test_size=0.2, random_state=0), 5)


def model_for(shape):
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class FitTime(keras.callbacks.Callback):
    """Time from the start of training to the last epoch's end (the report written in on_train_end is not in it)."""

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.started


def one_fit(data, epochs: int, with_doctor: bool) -> tuple[float, float]:
    x_train, x_val, y_train, y_val = data
    model = model_for(x_train.shape[1:])
    clock = FitTime()
    callbacks = [clock]
    if with_doctor:  # before the clock: its checks at on_train_begin are outside the training time, its probes in
        callbacks.insert(0, DoctorCallback((x_val, y_val), Path(tempfile.mkdtemp()) / "report", verbose=False))
    started = time.perf_counter()
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, callbacks=callbacks, verbose=0)
    return clock.seconds, time.perf_counter() - started


def main() -> None:
    digits = "--digits" in sys.argv[1:]
    *data, epochs = load(digits)
    one_fit(data, 1, True)  # warm-up: TensorFlow's first graphs
    plain, watched = [], []
    for _ in range(REPEATS):
        plain.append(one_fit(data, epochs, False))
        watched.append(one_fit(data, epochs, True))
    fit_plain = statistics.median(t[0] for t in plain)
    fit_watched = statistics.median(t[0] for t in watched)
    whole_plain = statistics.median(t[1] for t in plain)
    whole_watched = statistics.median(t[1] for t in watched)
    print(f"data: {'digits' if digits else 'Fashion-MNIST'} {len(data[0])} training images, {epochs} epochs")
    print(
        f"training    plain {fit_plain:6.2f} s  with DoctorCallback {fit_watched:6.2f} s  "
        f"ratio {fit_watched / fit_plain:.3f}"
    )
    print(
        f"whole call  plain {whole_plain:6.2f} s  with DoctorCallback {whole_watched:6.2f} s  "
        f"ratio {whole_watched / whole_plain:.3f} (checks and report: {whole_watched - fit_watched:.1f} s)"
    )
    print(f"medians of {REPEATS} alternated fits each; np {np.__version__}, keras {keras.__version__}")


if __name__ == "__main__":
    main()
