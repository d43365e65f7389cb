"""Findings: the problems the report names (ids from docs/FINDINGS.md, a public interface)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# The registry: the finding ids each family module under cnn_doctor/doctor/ alone produces (family_of there).
FAMILIES: dict[str, tuple[str, ...]] = {
    # validate: what the expectation suites and the label-error search found in the data
    "dataset_checks": (
        "corrupt_images",
        "missing_files",
        "unknown_labels",
        "empty_class",
        "too_few_images",
        "class_imbalance",
        "duplicate_images",
        "conflicting_labels",
        "split_leakage",
        "suspected_label_errors",
        "outlier_images",
        "mixed_image_formats",
        "overlapping_classes",
        "unrepresentative_split",
        "labels_misaligned",
    ),
    # before training: the model and its loss, read statically and on one batch
    "model_checks": (
        "loss_activation_mismatch",
        "loss_maximized",
        "missing_normalization",
        "inputs_scaled_twice",
        "poor_initialization",
        "insufficient_capacity",
        "initial_loss_off",
        "loss_summed_over_batch",
        "wrong_hidden_activation",
        "missing_hidden_activation",
        "wrong_reduction_axis",
        "frozen_layers",
        "over_regularization",
        "low_precision_weights",
        "dropout_before_batchnorm",
    ),
    # the training and validation curves
    "curves": (
        "loss_diverged",
        "loss_oscillating",
        "slow_convergence",
        "not_learning",
        "underfitting",
        "overfitting",
        "undertrained",
    ),
    # per-layer activations and gradients, measured during training
    "probes": ("dying_relu", "vanishing_gradients", "exploding_gradients", "saturated_activations"),
    # the step size: update ratios and the learning-rate range test
    "learning_rate": ("learning_rate_too_high", "learning_rate_too_low"),
    # quick retrainings that settle what the symptoms leave open
    "experiments": ("augmentation_too_strong",),
    # the test predictions
    "predictions": (
        "minority_class_collapse",
        "prediction_collapse",
        "poor_calibration",
        "confusable_classes",
        "suspiciously_high_accuracy",
        "label_mapping_mismatch",
        "stale_batch_statistics",
        "test_distribution_shift",
        "duplicate_classes",
        "below_reference_accuracy",
    ),
}


# every id the report may name: the finding families' ids, one home each
FINDING_IDS = frozenset(finding_id for ids in FAMILIES.values() for finding_id in ids)
# Evidence keys that more than one module writes or reads: one spelling, here
IMPACT = "impact"  # what fixing the finding could buy (cnn_doctor/doctor/impact.py)
CAUSED_BY = "caused_by"  # the cause a symptom is linked to (cnn_doctor/doctor/causes.py)
RULED_OUT = "ruled_out"  # causes checked and not found, on a symptom no cause explains
VERIFICATION = "verification"  # the fix tried in a short training and what it measured (doctor/verification.py)
LABEL_CHECK = "label_check"  # the network's opinion on the label flags (also the metrics' key evaluate writes)

SEVERITIES = ("critical", "warning", "info")  # most severe first
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    stage: str
    summary: str
    recommendation: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id not in FINDING_IDS:
            raise ValueError(f"Unknown finding id {self.id!r}; add it to docs/FINDINGS.md first.")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"Unknown severity {self.severity!r} for finding {self.id!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Order findings most severe first, keeping the stage order within a severity."""
    return sorted(findings, key=lambda finding: SEVERITY_RANK[finding.severity])


def matches(finding: Finding, selectors: tuple[str, ...]) -> bool:
    """Whether a finding is named by a `fail_on` list of ids and severities."""
    return finding.id in selectors or finding.severity in selectors


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    return {severity: sum(f.severity == severity for f in findings) for severity in SEVERITY_RANK}


def load_findings(path: Path) -> list[Finding]:
    if not path.is_file():
        return []
    return [Finding(**item) for item in json.loads(path.read_text())]
