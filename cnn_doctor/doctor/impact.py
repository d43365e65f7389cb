"""What fixing each finding could buy (`evidence.impact`), and the severity that follows from it.

A family that can measure its finding's cost sets the impact itself (leaked share, epochs' headroom, ambiguous
share); every other finding gets the most general bound there is, so that findings can be ordered by what
they cost and a model at 99.6% gets no warning about a problem worth tenths of a point.
"""

from __future__ import annotations

import math
from dataclasses import replace

from cnn_doctor.findings import IMPACT, Finding

# Below this bound (in accuracy, 0-1) a warning cannot cost a point of accuracy: it becomes info.
MIN_WARNING_IMPACT = 0.01
# Findings about whether the measured accuracy can be trusted, not about how high it is: headroom is no bound
# on what they cost, so they keep their severity.
ABOUT_TRUST = frozenset(
    {"split_leakage", "suspiciously_high_accuracy", "label_mapping_mismatch", "poor_calibration", "prediction_collapse"}
)


# Symptoms read before the first step: when the model then fits its training images this well, they cost
# nothing (a model below what the data allows is named by below_reference_accuracy, with its causes).
AT_START = frozenset({"initial_loss_off"})
RECOVERED_TRAIN_ACCURACY = 0.9
# Findings that say training could go further (longer, faster): for a model within REACHED of the reference
# accuracy (validate's label model, cross-validated), what they could still buy is that gap at most.
TRAINING_SPEED = frozenset({"undertrained", "learning_rate_too_low", "slow_convergence"})
REACHED = 0.03


def estimate_impact(finding: Finding, metrics: dict, usable_images: int | None) -> dict:
    """Nothing for a symptom training recovered from, at most the gap to the reference for training-speed
    findings of a model that reached it; else the finding's own impact when its family measured one, else the
    share of images it names, else the headroom left on the evaluated split (or on validation, then training,
    when the run did not evaluate)."""
    if finding.id in AT_START and (metrics.get("train_accuracy") or 0.0) >= RECOVERED_TRAIN_ACCURACY:
        return {"accuracy_bound": 0.0, "how": "a symptom at initialisation that training recovered from"}
    reference = (metrics.get("reference") or {}).get("accuracy")
    accuracy = metrics.get("test_accuracy")
    if finding.id in TRAINING_SPEED and reference and accuracy is not None and accuracy >= reference - REACHED:
        return {
            "accuracy_bound": round(max(0.0, reference - accuracy), 4),
            "how": "the model reached the reference (what a plain network reaches on these images): training "
            "longer or faster buys little that can be shown",
        }
    if IMPACT in finding.evidence:
        return finding.evidence[IMPACT]
    files = finding.evidence.get("files")
    if isinstance(files, list) and files and usable_images:
        return {
            "accuracy_bound": round(min(1.0, len(files) / usable_images), 4),
            "how": "share of the usable images it names: fixing them moves accuracy by about that much at most",
        }
    if finding.id == "overfitting" and {"train_accuracy", "test_accuracy"} <= metrics.keys():
        gap = max(0.0, metrics["train_accuracy"] - metrics["test_accuracy"])
        return {"accuracy_bound": round(gap, 4), "how": "training minus test accuracy: what closing the gap buys"}
    accuracy = metrics.get("test_accuracy")
    if accuracy is None:
        return {"accuracy_bound": None, "how": "not measured: the run stopped before the model was evaluated"}
    return {
        "accuracy_bound": round(1.0 - accuracy, 4),
        "how": "headroom: the share of test images the model gets wrong, the most any fix can buy",
    }


def with_impact(findings: list[Finding], metrics: dict, usable_images: int | None) -> list[Finding]:
    """Every finding with `evidence.impact`; a warning bounded below MIN_WARNING_IMPACT becomes info."""
    estimated = []
    for finding in findings:
        impact = estimate_impact(finding, metrics, usable_images)
        bound = impact.get("accuracy_bound")
        minor = bound is not None and bound < MIN_WARNING_IMPACT and finding.id not in ABOUT_TRUST
        severity = "info" if finding.severity == "warning" and minor else finding.severity
        estimated.append(replace(finding, severity=severity, evidence={**finding.evidence, IMPACT: impact}))
    return estimated


def impact_bound(finding: Finding) -> float:
    """The finding's accuracy bound (unknown counts as the largest)."""
    bound = (finding.evidence.get(IMPACT) or {}).get("accuracy_bound")
    return 1.0 if bound is None else float(bound)


def cost_ranks(findings: list[Finding]) -> dict[str, int]:
    """0 for the findings within a factor 2 of the costliest, 1 within a factor 4, and so on. Bounds are
    estimates of different kinds: two within a factor 2 are a tie (training noise moves them that much),
    and a tie keeps the order the causes give."""
    if not findings:
        return {}
    costliest = max(max(impact_bound(f) for f in findings), 1e-6)  # every bound 0: all tie
    return {f.id: int(math.log2(costliest / max(impact_bound(f), 1e-6))) for f in findings}
