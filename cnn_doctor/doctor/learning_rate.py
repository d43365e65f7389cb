"""Learning-rate findings: steps too large or too small, from the probes' update ratios and the range test."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from cnn_doctor.config import DiagnoseParams, TrainParams
from cnn_doctor.doctor.curves import loss_rises, too_short_to_judge
from cnn_doctor.findings import Finding


def median_update_ratio(update_ratios: list[dict]) -> float | None:
    """The median step size relative to the weights, over the steps that moved any weight: once every unit is
    dead nothing moves, which says nothing of the rate (a too-large first step is what killed them)."""
    moved = [step for step in update_ratios if any(value != 0 for value in step.values())]
    values = [value for step in moved for value in step.values() if math.isfinite(value)]
    if moved and len(moved) < len(update_ratios) and update_ratios[-1] not in moved:
        # the network stopped moving for good: its largest step before that is what killed its units
        return max(values, default=None)
    return float(np.median(values)) if values else None


def update_ratio_findings(update_ratios: list[dict], learning_rate: float, params: DiagnoseParams) -> list[Finding]:
    ratio = median_update_ratio(update_ratios)
    if ratio is None:
        return []
    if ratio > params.max_update_ratio:
        return [
            Finding(
                "learning_rate_too_high",
                "critical",
                "train",
                f"Each step changes the weights by {ratio:.2g} of their size (healthy: about 1e-3).",
                f"Lower train.learning_rate (now {learning_rate:g}), e.g. by 10x.",
                {"median_update_ratio": ratio, "per_epoch": update_ratios},
            )
        ]
    if ratio < params.min_update_ratio:
        return [
            Finding(
                "learning_rate_too_low",
                "warning",
                "train",
                f"Each step changes the weights by only {ratio:.2g} of their size (healthy: about 1e-3).",
                f"Raise train.learning_rate (now {learning_rate:g}), e.g. by 10x.",
                {"median_update_ratio": ratio, "per_epoch": update_ratios},
            )
        ]
    return []


def recommend_tested_rate(findings: list[Finding], test: dict, params: TrainParams) -> list[Finding]:
    """Learning-rate findings from the probes get the range test's concrete suggestion; so does a run cut
    short while the rate could have been higher."""
    suggested = test["suggested_learning_rate"]

    def advised(finding: Finding) -> Finding:
        if finding.id in ("learning_rate_too_high", "learning_rate_too_low"):
            return replace(
                finding,
                recommendation=_rate_advice(finding.id, suggested, params.learning_rate),
                evidence={
                    **finding.evidence,
                    "lr_range_test": test,
                    "advised_learning_rate": advised_rate(finding.id, suggested, params.learning_rate),
                },
            )
        if finding.id == "undertrained" and params.learning_rate < suggested / 3:
            return replace(
                finding,
                recommendation=finding.recommendation + f" A higher train.learning_rate (the range test "
                f"suggests up to {suggested:g}) would also get there in fewer epochs.",
                evidence={**finding.evidence, "lr_range_test": test},
            )
        return finding

    return [advised(finding) for finding in findings]


def advised_rate(finding_id: str, suggested: float, current: float) -> float:
    """The range test's rate when it points the finding's way; else a tenfold step that way, since a noisy
    range test can land on the current rate itself, and advice to keep a rate called wrong helps no one."""
    too_low = finding_id == "learning_rate_too_low"
    if (suggested > current) if too_low else (suggested < current):
        return suggested
    return current * 10 if too_low else current / 10


def _rate_advice(finding_id: str, suggested: float, current: float) -> str:
    rate = advised_rate(finding_id, suggested, current)
    if rate == suggested:
        return f"Set train.learning_rate={rate:g} (learning-rate range test: a tenth of where the loss was lowest)."
    too_low = finding_id == "learning_rate_too_low"
    return (
        f"Set train.learning_rate={rate:g} (ten times {'higher' if too_low else 'lower'}: the range test's best "
        f"rate, {suggested:g}, did not point away from the current one)."
    )


# The last epoch cut the training loss by a tenth or more: training was cut short while learning fast. Then
# the epochs, not the rate, held it back (a rate too low crawls: 1-3% per epoch in the fault zoo).
STILL_LEARNING_FAST = 0.1


def _cut_short_while_learning_fast(found: set[str], losses: list[float]) -> bool:
    """Undertrained, and too few epochs to judge the rate by, or the last one still cut the loss fast."""
    falling_fast = len(losses) >= 2 and losses[-1] <= (1 - STILL_LEARNING_FAST) * losses[-2]
    return "undertrained" in found and (too_short_to_judge(losses) or falling_fast)


def range_test_verdict(test: dict, params: TrainParams, findings: list[Finding], losses: list[float]) -> list[Finding]:
    """The rate the range test blames, if any, given the run's findings so far and its training losses."""
    # only symptoms that cost accuracy count: an info one (a model at 99% still creeping up) blames no rate
    found = {finding.id for finding in findings if finding.severity != "info"}
    suggested, used = test["suggested_learning_rate"], params.learning_rate
    evidence = {"used": used, "suggested": suggested, "lr_range_test": test}
    # unstable: a symptom of steps too large, or a training loss that climbed clearly in two epochs or more
    # (fewer than loss_oscillating needs, but with a constant rate a healthy training loss hardly ever rises)
    unstable = (
        found & {"loss_oscillating", "loss_diverged", "dying_relu", "exploding_gradients"} or loss_rises(losses) >= 2
    )
    # past the range test's minimum the loss climbs; with instability, anything well above the suggestion is suspect
    if "learning_rate_too_high" not in found and (
        used > test["loss_minimum_at"] or (unstable and used > 3 * suggested)
    ):
        return [
            Finding(
                "learning_rate_too_high",
                "critical",
                "train",
                f"The learning rate {used:g} is far above where the loss still falls "
                f"(range test minimum at {test['loss_minimum_at']:.2g}).",
                _rate_advice("learning_rate_too_high", suggested, used),
                {**evidence, "advised_learning_rate": advised_rate("learning_rate_too_high", suggested, used)},
            )
        ]
    gradients_blocked = found & {"dying_relu", "vanishing_gradients", "saturated_activations"}
    if (
        used < test["loss_minimum_at"] / 10
        and "learning_rate_too_low" not in found
        and not gradients_blocked
        and found & {"slow_convergence", "underfitting", "not_learning", "undertrained"}
        and not _cut_short_while_learning_fast(found, losses)
    ):
        return [
            Finding(
                "learning_rate_too_low",
                "warning",
                "train",
                f"The learning rate {used:g} is far below what this model tolerates "
                f"(range test suggests {suggested:g}).",
                _rate_advice("learning_rate_too_low", suggested, used),
                {**evidence, "advised_learning_rate": advised_rate("learning_rate_too_low", suggested, used)},
            )
        ]
    return []
