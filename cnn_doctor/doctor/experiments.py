"""Quick experiments that settle a diagnosis: a learning-rate range test and overfitting one batch."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from cnn_doctor.config import DiagnoseParams
from cnn_doctor.findings import Finding

if TYPE_CHECKING:
    from cnn_doctor.training.run import Fitted

LR_RANGE = (1e-6, 10.0)
LR_RANGE_STEPS = 80
RANGE_TEST_IMAGES_PER_RATE = 64
SINGLE_BATCH_STEPS = 60


def _batches(dataset, count: int):
    for index, batch in enumerate(dataset.repeat()):
        if index >= count:
            return
        yield batch


def learning_rate_range_test(fitted: Fitted) -> dict:
    """Train a copy for a few dozen batches with an exponentially growing learning rate (Smith 2017).

    The run's own optimizer (kind and momentum: momentum 0.9 makes the same rate take ten times larger steps,
    so a plain SGD would place the limit ten times too high).
    """
    dataset = fitted.train_data
    copy = fitted.run.copies.fresh(fitted.initial_weights)
    copy.compile(optimizer=fitted.optimizer_at(LR_RANGE[0]), loss=fitted.run.loss)
    rates = np.geomspace(*LR_RANGE, LR_RANGE_STEPS)
    batch_size = int(next(iter(dataset))[0].shape[0])
    # each rate sees at least 64 images: with batches of 8, single-batch losses are too noisy to place the limit
    steps_per_rate = max(1, math.ceil(RANGE_TEST_IMAGES_PER_RATE / batch_size))
    batches = _batches(dataset, LR_RANGE_STEPS * steps_per_rate)
    losses, smoothed, best = [], None, math.inf
    for rate in rates:
        copy.optimizer.learning_rate.assign(float(rate))
        value = float(
            np.mean(
                [
                    np.asarray(copy.train_on_batch(images, labels)).reshape(-1)[0]
                    for images, labels in itertools.islice(batches, steps_per_rate)
                ]
            )
        )
        smoothed = value if smoothed is None else 0.8 * smoothed + 0.2 * value
        losses.append(smoothed)
        best = min(best, smoothed)
        if not math.isfinite(smoothed) or smoothed > 4 * best:
            break
    rates = rates[: len(losses)].tolist()
    finite = [(value, rate) for value, rate in zip(losses, rates) if math.isfinite(value)]
    best_rate = min(finite)[1] if finite else LR_RANGE[0]
    return {
        "learning_rates": rates,
        "losses": losses,
        "loss_minimum_at": best_rate,
        "suggested_learning_rate": float(f"{best_rate / 10:.1g}"),
    }


ABLATION_EPOCHS = 3


def train_without_augmentation(fitted: Fitted, clean_train) -> dict:
    """A fresh copy trained briefly on un-augmented images: does augmentation hold learning back?"""
    run = fitted.run
    copy = run.copies.fresh(fitted.initial_weights)
    copy.compile(optimizer=fitted.optimizer_at(fitted.params.learning_rate), loss=run.loss, metrics=["accuracy"])
    epochs = min(ABLATION_EPOCHS, fitted.epochs_run)
    history = copy.fit(clean_train, validation_data=fitted.val_data, epochs=epochs, shuffle=False, verbose=0)
    return {
        "epochs": epochs,
        "val_accuracy": float(max(history.history["val_accuracy"])),
        "train_accuracy": float(max(history.history["accuracy"])),
    }


LEARNING_CURVE_FRACTIONS = (0.25, 0.5, 1.0)
LEARNING_CURVE_MAX_EPOCHS = 10
MORE_DATA_GAIN = 0.02  # validation accuracy gained from 50% to 100% of the data that says "more will help"


def learning_curve(fitted: Fitted) -> dict:
    """Fresh copies trained on growing shares of the training set: does more data still help?"""
    run, accuracies = fitted.run, []
    for fraction in LEARNING_CURVE_FRACTIONS:
        copy = run.copies.fresh(fitted.initial_weights)
        copy.compile(optimizer=fitted.optimizer_at(fitted.params.learning_rate), loss=run.loss, metrics=["accuracy"])
        history = copy.fit(
            run.train_subset(fraction, fitted.params),
            validation_data=fitted.val_data,
            epochs=min(fitted.epochs_run, LEARNING_CURVE_MAX_EPOCHS),
            shuffle=False,
            verbose=0,
        )
        accuracies.append(float(max(history.history["val_accuracy"])))
    gain = accuracies[-1] - accuracies[-2]
    return {
        "fractions": list(LEARNING_CURVE_FRACTIONS),
        "val_accuracy": accuracies,
        "gain_last_doubling": gain,
        "more_data_helps": gain >= MORE_DATA_GAIN,
    }


def overfit_single_batch(fitted: Fitted) -> dict:
    """Can a fresh copy reach high accuracy on one batch? If not, suspect the model, loss or labels."""
    import keras

    copy = fitted.run.copies.fresh(fitted.initial_weights)
    copy.compile(optimizer=keras.optimizers.Adam(1e-3), loss=fitted.run.loss, metrics=["accuracy"])
    images, labels = next(iter(fitted.train_data))
    history = copy.fit(images, labels, epochs=SINGLE_BATCH_STEPS, batch_size=len(images), verbose=0)
    accuracy = float(history.history["accuracy"][-1])
    return {
        "batch_size": int(len(images)),
        "steps": SINGLE_BATCH_STEPS,
        "final_accuracy": accuracy,
        "final_loss": float(history.history["loss"][-1]),
        "can_overfit": accuracy >= 0.9,
    }


# The symptoms that call for each experiment (train runs an experiment only when they are present).
SYMPTOMS_FOR_LR_TEST = {
    "loss_diverged",
    "loss_oscillating",
    "not_learning",
    "underfitting",
    "slow_convergence",
    "learning_rate_too_high",
    "learning_rate_too_low",
    "dying_relu",
    "undertrained",
}
SYMPTOMS_FOR_BATCH_TEST = {"not_learning", "underfitting"}
SYMPTOMS_FOR_LEARNING_CURVE = {"overfitting"}


def advise_on_data(findings: list[Finding], curve: dict) -> list[Finding]:
    """The learning curve says whether more images of the same kind would help: put it in the advice."""
    shares = ", ".join(
        f"{fraction:.0%}: {accuracy:.2f}" for fraction, accuracy in zip(curve["fractions"], curve["val_accuracy"])
    )
    advice = (
        f"More data will help: validation accuracy still rose {curve['gain_last_doubling']:+.2f} from half "
        f"to all of the training set ({shares}). "
        if curve["more_data_helps"]
        else f"More data of the same kind will not help much (validation accuracy by share of the training set: "
        f"{shares}); regularise or change the model instead. "
    )
    return [
        replace(
            finding,
            recommendation=advice + finding.recommendation,
            evidence={**finding.evidence, "learning_curve": curve},
        )
        if finding.id in SYMPTOMS_FOR_LEARNING_CURVE
        else finding
        for finding in findings
    ]


def augmentation_verdict(test: dict, history: dict, diagnose: DiagnoseParams) -> list[Finding]:
    # compared epoch for epoch: the clean copy gets no more epochs than the augmented run had
    with_augmentation = max(history.get("val_accuracy", [0.0])[: test["epochs"]] or [0.0])
    augmented_training = max(history.get("accuracy", [0.0])[: test["epochs"]] or [0.0])
    # both must hold: clean images generalise better AND are far easier to fit than their augmented
    # versions (noisy labels lower both runs alike, so they do not pass for strong augmentation)
    if (
        test["val_accuracy"] - with_augmentation <= diagnose.augmentation_gap
        or test["train_accuracy"] - augmented_training <= diagnose.augmentation_gap
    ):
        return []
    return [
        Finding(
            "augmentation_too_strong",
            "warning",
            "train",
            f"Without online augmentation the same model reaches validation accuracy "
            f"{test['val_accuracy']:.2f} in {test['epochs']} epochs; with it, {with_augmentation:.2f}.",
            "Reduce augment.rotation, augment.translation and augment.zoom (or set augment.flip=none).",
            {"without_augmentation": test, "with_augmentation_best_val_accuracy": with_augmentation},
        )
    ]
