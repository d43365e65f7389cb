"""Findings from the epoch curves (loss and accuracy, training and validation)."""

from __future__ import annotations

import math

import numpy as np

from cnn_doctor.config import DiagnoseParams, TrainParams
from cnn_doctor.findings import Finding

OSCILLATION_JUMP = 0.1  # a rise of the training loss by more than 10% between epochs...
OSCILLATION_MIN_RISE = 0.05  # ...and by more than 0.05 (late, tiny losses fluctuate by large ratios)
ACCURACY_SLIDE = 0.1  # training accuracy ending this far below its peak: the steps undo what was learned
# Validation accuracy within this of chance (or half of chance, if smaller; at least 0.05) is noise: 0.15 for
# ten classes, 0.6 for two.
NOISE_ABOVE_CHANCE = 0.1
UNDERTRAINED_GAIN = 0.01  # validation accuracy still rising by a point over the last epochs
# A network that has not fitted its images after fewer weight updates than this has not had the steps to: its
# curves over so few steps say little, the count says enough (one update an epoch with the whole training set
# as its batch; BatchNormalization's moving averages need hundreds of steps at momentum 0.99).
FEW_UPDATES = 100


def _finding(finding_id, severity, summary, recommendation, **evidence) -> Finding:
    return Finding(finding_id, severity, "train", summary, recommendation, evidence)


def diagnose_curves(
    history: dict[str, list[float]],
    num_classes: int,
    train_params: TrainParams,
    params: DiagnoseParams,
    updates: int | None = None,
) -> list[Finding]:
    """`updates`: the optimizer steps the whole run took (None: unknown)."""
    losses = history.get("loss", [])
    exploded = not losses or not all(map(math.isfinite, losses)) or max(losses) >= 1e3
    if exploded or _late_blow_up(losses):
        summary = (
            "Training loss became NaN/infinite or exploded."
            if exploded
            else f"The training loss climbed back from its best {min(losses):.3g} to {losses[-1]:.3g} late in training."
        )
        return [
            _finding(
                "loss_diverged",
                "critical",
                summary,
                f"Lower train.learning_rate (now {train_params.learning_rate:g}), e.g. by 10x.",
                loss=[v if math.isfinite(v) else None for v in losses],
            )
        ]
    findings = []
    accuracy, val_accuracy = history.get("accuracy", []), history.get("val_accuracy", [])
    val_loss = history.get("val_loss", [])
    chance = 1.0 / num_classes
    learned = True
    if val_accuracy and max(val_accuracy) < chance + min(max(0.05, 0.5 * chance), NOISE_ABOVE_CHANCE):
        learned = False
        findings.append(
            _finding(
                "not_learning",
                "critical",
                f"Validation accuracy never rose above {max(val_accuracy):.2f}; chance is {chance:.2f}.",
                "Nothing is being learned: check the labels, the input scaling and train.learning_rate.",
                val_accuracy=val_accuracy,
                chance=chance,
            )
        )
    if learned and accuracy and max(accuracy) < params.min_train_accuracy:
        findings.append(
            _finding(
                "underfitting",
                "warning",
                f"Training accuracy peaked at {max(accuracy):.3f} (below {params.min_train_accuracy}).",
                "The model cannot fit its own training data: more capacity (model.architecture), "
                "more epochs, or a better train.learning_rate.",
                train_accuracy=accuracy,
            )
        )
    if learned and _oscillates(losses, accuracy):
        findings.append(
            _finding(
                "loss_oscillating",
                "warning",
                "The training loss or accuracy jumps up and down instead of settling"
                + (
                    f" (training accuracy fell from {max(accuracy):.2f} to {accuracy[-1]:.2f})."
                    if _slid(accuracy)
                    else "."
                ),
                f"Lower train.learning_rate (now {train_params.learning_rate:g}) or raise train.batch_size.",
                loss=losses,
            )
        )
    if learned and val_loss and accuracy and val_accuracy:
        findings += _overfitting(losses, val_loss, accuracy, val_accuracy, params)
    # training accuracy runs below validation accuracy under augmentation: either one shows the fit
    fitted = max(accuracy[-1:] + val_accuracy[-1:], default=0.0) >= params.fitted_train_accuracy
    if (
        learned
        and not fitted
        and len(losses) >= 3
        and losses[0] > losses[-1] > 0.7 * losses[0]
        and not _oscillates(losses, accuracy)
    ):
        findings.append(
            _finding(
                "slow_convergence",
                "warning",
                f"The training loss fell only from {losses[0]:.3g} to {losses[-1]:.3g} in {len(losses)} epochs.",
                "Raise train.learning_rate or train.epochs.",
                loss=losses,
            )
        )
    # a run of a few epochs needs more epochs; many epochs of a few updates each need smaller batches
    few_updates = (
        learned
        and not fitted
        and not too_short_to_judge(losses)
        and updates is not None
        and updates < FEW_UPDATES
        and losses[-1] < losses[0]
    )
    if (
        val_loss
        and len(val_loss) == train_params.epochs
        and (
            _still_improving(val_loss, val_accuracy)
            or _still_climbing(accuracy, val_accuracy)
            or (too_short_to_judge(val_loss) and not fitted)
            or few_updates
        )
    ):
        findings.append(_undertrained(val_loss, val_accuracy, train_params, updates if few_updates else None))
    return findings


# Fewer epochs than this show no plateau: a run this short that ran all its epochs was stopped, not done.
SHORT_RUN_EPOCHS = 3
# With less validation accuracy than this left to gain, training longer is a detail, not a warning.
SMALL_HEADROOM = 0.02


def too_short_to_judge(epoch_values: list[float]) -> bool:
    return 0 < len(epoch_values) < SHORT_RUN_EPOCHS


def _undertrained(
    val_loss: list[float], val_accuracy: list[float], train_params: TrainParams, few_updates: int | None = None
) -> Finding:
    """Stopped while still improving (or after `few_updates` steps in all); what more epochs could buy is bounded
    by the accuracy left to gain."""
    last = val_accuracy[-1] if val_accuracy else None
    headroom = 1.0 - last if last is not None else None
    recent_gain = val_accuracy[-1] - val_accuracy[-4:][0] if len(val_accuracy) >= 2 else None
    severity = "info" if headroom is not None and headroom < SMALL_HEADROOM else "warning"
    if few_updates is not None:
        summary = (
            f"Training made only {few_updates} weight update(s) in all ({len(val_loss)} epoch(s) of batch "
            f"{train_params.batch_size}), too few to converge"
        )
    elif too_short_to_judge(val_loss):
        summary = f"Training stopped after only {len(val_loss)} epoch(s), too few to converge"
    else:
        summary = f"Validation loss was still falling when training stopped after {len(val_loss)} epochs"
    fix = (
        f"Train more steps: a smaller train.batch_size (now {train_params.batch_size}) or more train.epochs "
        f"(now {train_params.epochs})"
        if few_updates is not None
        else f"Raise train.epochs (now {train_params.epochs})"
    )
    counted = {"updates": few_updates} if few_updates is not None else {}
    bound = f"; at most {headroom:.1%} of validation accuracy is left to gain" if headroom is not None else ""
    return _finding(
        "undertrained",
        severity,
        summary + bound + ".",
        fix + ".",
        val_loss=val_loss,
        **counted,
        impact={
            "accuracy_bound": headroom,
            "recent_gain": recent_gain,
            "how": "bound: 1 - the last validation accuracy; recent gain: over the last (up to 4) epochs",
        },
    )


LATE_RISE = 1.5  # in the last third, the training loss climbs back to 1.5x its best so far...
LATE_RISE_SHARE = 0.25  # ...and a quarter of the way back to where it started (tiny late losses fluctuate)


def _late_blow_up(losses: list[float]) -> bool:
    """Late in training the training loss climbed well back up: the steps throw away what was learned."""
    start = max(1, 2 * len(losses) // 3)
    for epoch in range(start, len(losses)):
        best = min(losses[:epoch])
        if losses[epoch] >= LATE_RISE * best and losses[epoch] - best > LATE_RISE_SHARE * (losses[0] - best):
            return True
    return False


def loss_rises(losses: list[float]) -> int:
    """Epochs whose training loss rose clearly above the epoch before's."""
    return sum(b > a * (1 + OSCILLATION_JUMP) and b - a > OSCILLATION_MIN_RISE for a, b in zip(losses, losses[1:]))


def _oscillates(losses: list[float], accuracy: list[float]) -> bool:
    rises = loss_rises(losses)
    return (rises >= 3 and rises >= 0.25 * (len(losses) - 1)) or _slid(accuracy)


def _slid(accuracy: list[float]) -> bool:
    return bool(accuracy) and max(accuracy) - accuracy[-1] > ACCURACY_SLIDE


def _still_improving(val_loss: list[float], val_accuracy: list[float]) -> bool:
    """Best loss at the very end, and the last epochs still bought real progress (not noise at 99%)."""
    best_epoch = int(np.argmin(val_loss))
    losses, accuracies = val_loss[-4:], val_accuracy[-4:]
    accuracy_gain = accuracies[-1] - accuracies[0] if accuracies else 1.0
    return best_epoch >= len(val_loss) - 2 and losses[-1] < 0.9 * losses[0] and accuracy_gain >= UNDERTRAINED_GAIN


# Over the last epochs, training accuracy still rising this much an epoch on a least-squares line (and validation
# accuracy too): one noisy last epoch does not hide a run still learning fast at its end.
CLIMBING_SLOPE = 0.01
TREND_EPOCHS = 5
CLIMBING_CEILING = 0.98  # above this training accuracy, what is left to climb is a detail


def _still_climbing(accuracy: list[float], val_accuracy: list[float]) -> bool:
    epochs = min(TREND_EPOCHS, len(accuracy), len(val_accuracy))
    if epochs < SHORT_RUN_EPOCHS or accuracy[-1] >= CLIMBING_CEILING:
        return False
    slope = np.polyfit(np.arange(epochs), accuracy[-epochs:], 1)[0]
    val_slope = np.polyfit(np.arange(epochs), val_accuracy[-epochs:], 1)[0]
    return bool(slope >= CLIMBING_SLOPE and val_slope >= CLIMBING_SLOPE)


def _overfitting(losses, val_loss, accuracy, val_accuracy, params: DiagnoseParams) -> list[Finding]:
    best = int(np.argmin(val_loss))
    rise = val_loss[-1] / max(val_loss[best], 1e-12)
    tail = slice(-3, None)  # the end of training, not early transients
    gap = float(np.mean(accuracy[tail]) - np.mean(val_accuracy[tail]))
    # memorising: the training loss went on to new lows after the validation loss's best epoch (not merely
    # below one noisy epoch of it), and the training accuracy ends above the validation accuracy
    train_kept_falling = losses[-1] < min(losses[: best + 1])
    if (rise >= params.overfitting_loss_rise and train_kept_falling and gap > 0) or gap > params.overfitting_gap:
        return [
            _finding(
                "overfitting",
                "warning",
                f"The model memorises its training set: validation loss rose {rise:.1f}x from its minimum "
                f"at epoch {best + 1}; train/validation accuracy gap {gap:.2f} at the end.",
                "Collect more data, keep augment.enabled=true, raise model.dropout / model.l2, or use "
                "model.architecture=regularized_cnn (early stopping keeps the best epoch).",
                best_epoch=best + 1,
                validation_loss_rise=rise,
                accuracy_gap=gap,
            )
        ]
    return []


# the loss within the first batches: non-finite, or this large, is a divergence no later epoch recovers from
EARLY_LOSS_LIMIT = 1e3


def early_divergence(early_losses: list[float], learning_rate: float) -> list[Finding]:
    """The probes' first-batch losses: exploding before the first epoch ends."""
    if not early_losses or (all(map(math.isfinite, early_losses)) and max(early_losses) < EARLY_LOSS_LIMIT):
        return []
    return [
        _finding(
            "loss_diverged",
            "critical",
            "The loss exploded within the first batches of training.",
            f"Lower train.learning_rate (now {learning_rate:g}) by 10x or more.",
            first_batch_losses=early_losses,
        )
    ]
