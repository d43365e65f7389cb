"""Causes before symptoms: link each finding to the finding that explains it, and lead with the cause."""

from __future__ import annotations

from dataclasses import replace

from cnn_doctor.doctor.impact import cost_ranks
from cnn_doctor.doctor.verification import gain, refuted
from cnn_doctor.findings import CAUSED_BY, RULED_OUT, SEVERITY_RANK, VERIFICATION, Finding

# cause -> the findings it can produce. Order matters: the first cause present (top to bottom) explains
# a symptom: settings the user chose first, then the training mechanisms they set off, then the data.
CONSEQUENCES: dict[str, tuple[str, ...]] = {
    # test labels that mean other classes: every test-side symptom, and the label flags on those rows
    "label_mapping_mismatch": (
        "test_distribution_shift",
        "prediction_collapse",
        "minority_class_collapse",
        "poor_calibration",
        "suspected_label_errors",
        "conflicting_labels",
        "split_leakage",
    ),
    # a split's labels paired with the wrong images: trained on noise, or scored against it
    "labels_misaligned": (
        "suspected_label_errors",
        "conflicting_labels",
        "not_learning",
        "underfitting",
        "overfitting",
        "suspiciously_high_accuracy",
        "prediction_collapse",
        "minority_class_collapse",
        "poor_calibration",
        "learning_rate_too_low",
        "slow_convergence",
        "undertrained",
        "below_reference_accuracy",
    ),
    # classes only in the held-out splits: never learned, so never predicted
    "unrepresentative_split": (
        "minority_class_collapse",
        "prediction_collapse",
        "below_reference_accuracy",
        "poor_calibration",
        "test_distribution_shift",
        "suspiciously_high_accuracy",
    ),
    # test images from another source than the training images: every test-side symptom (and, training images
    # noisier than the test's, a training accuracy below the test's)
    "test_distribution_shift": (
        "suspiciously_high_accuracy",
        "underfitting",
        "below_reference_accuracy",
        "prediction_collapse",
        "minority_class_collapse",
        "poor_calibration",
        "duplicate_classes",
    ),
    # one class under two names: the network cannot split the pair, and the label search flags them
    "duplicate_classes": (
        "overlapping_classes",
        "suspected_label_errors",
        "minority_class_collapse",
        "poor_calibration",
        "below_reference_accuracy",
        "conflicting_labels",
    ),
    # a dropout feeding batch normalisation: the moving variance learned with the noise is wrong at inference
    # (the symptoms of stale statistics follow through them: a cause up the chain)
    "dropout_before_batchnorm": ("stale_batch_statistics",),
    # measured on the same weights both ways: a network that scores well with its batches' own statistics did
    # learn, so what looks like not learning at inference is the moving statistics, not the rate or the model
    "stale_batch_statistics": (
        "not_learning",
        "prediction_collapse",
        "minority_class_collapse",
        "poor_calibration",
        "overfitting",
        "below_reference_accuracy",
        "test_distribution_shift",
    ),
    # 16-bit weights: steps lost to rounding, or divided by an epsilon that is zero
    "low_precision_weights": (
        "loss_diverged",
        "exploding_gradients",
        "learning_rate_too_high",
        "learning_rate_too_low",
        "not_learning",
        "prediction_collapse",
        "minority_class_collapse",
        "underfitting",
        "slow_convergence",
        "poor_calibration",
        "below_reference_accuracy",
    ),
    # every step climbs the loss: it runs away, or settles on the wrong answers
    "loss_maximized": (
        "loss_activation_mismatch",
        "initial_loss_off",
        "learning_rate_too_high",
        "learning_rate_too_low",
        "loss_diverged",
        "loss_oscillating",
        "exploding_gradients",
        "dying_relu",
        "saturated_activations",
        "not_learning",
        "underfitting",
        "slow_convergence",
        "prediction_collapse",
        "minority_class_collapse",
        "poor_calibration",
        "below_reference_accuracy",
    ),
    # a loss summed over the batch: every step batch-size times larger than the rate says
    "loss_summed_over_batch": (
        "initial_loss_off",
        "learning_rate_too_high",
        "loss_diverged",
        "loss_oscillating",
        "exploding_gradients",
        "dying_relu",
        "not_learning",
        "underfitting",
        "prediction_collapse",
        "poor_calibration",
        "below_reference_accuracy",
    ),
    # layers that can never learn: frozen at their random initialisation
    "frozen_layers": (
        "not_learning",
        "underfitting",
        "slow_convergence",
        "learning_rate_too_low",
        "prediction_collapse",
        "insufficient_capacity",
        "vanishing_gradients",
        "below_reference_accuracy",
    ),
    "wrong_hidden_activation": (
        "not_learning",
        "underfitting",
        "slow_convergence",
        "vanishing_gradients",
        "saturated_activations",
        "learning_rate_too_low",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    # one linear map learns what a logistic regression learns: it caps accuracy, it does not stop learning
    # (a deep linear stack that collapses or diverges has another cause: its scale, its rate)
    "missing_hidden_activation": (
        "underfitting",
        "insufficient_capacity",
        "below_reference_accuracy",
    ),
    "wrong_reduction_axis": (
        "not_learning",
        "underfitting",
        "slow_convergence",
        "vanishing_gradients",
        "saturated_activations",
        "learning_rate_too_low",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "over_regularization": (
        "underfitting",
        "not_learning",
        "slow_convergence",
        "learning_rate_too_low",
        "poor_calibration",
        "prediction_collapse",
        "minority_class_collapse",
        "below_reference_accuracy",
    ),
    "loss_activation_mismatch": (
        "not_learning",
        "underfitting",
        "loss_diverged",
        "initial_loss_off",
        "prediction_collapse",
        "poor_calibration",
        "slow_convergence",
        "learning_rate_too_low",
        "below_reference_accuracy",
    ),
    "missing_normalization": (
        "initial_loss_off",
        "saturated_activations",
        "dying_relu",
        "loss_diverged",
        "not_learning",
        "underfitting",
        "exploding_gradients",
        "loss_oscillating",
        "learning_rate_too_high",
        "learning_rate_too_low",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "inputs_scaled_twice": (
        "initial_loss_off",
        "not_learning",
        "underfitting",
        "slow_convergence",
        "vanishing_gradients",
        "learning_rate_too_low",
        "prediction_collapse",
        "undertrained",
        "below_reference_accuracy",
    ),
    "poor_initialization": (
        "initial_loss_off",
        "vanishing_gradients",
        "exploding_gradients",
        "dying_relu",
        "saturated_activations",
        "not_learning",
        "underfitting",
        "loss_diverged",
        "slow_convergence",
        "learning_rate_too_low",
        "learning_rate_too_high",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "insufficient_capacity": (
        "underfitting",
        "not_learning",
        "slow_convergence",
        "prediction_collapse",
        "learning_rate_too_low",
        "below_reference_accuracy",
    ),
    "initial_loss_off": (
        "prediction_collapse",
        "not_learning",
        "underfitting",
        "slow_convergence",
        "undertrained",
        "learning_rate_too_low",
        "poor_calibration",
        "minority_class_collapse",
        "below_reference_accuracy",
    ),
    "learning_rate_too_high": (
        "loss_diverged",
        "loss_oscillating",
        "dying_relu",
        "exploding_gradients",
        "not_learning",
        "underfitting",
        "prediction_collapse",
        "poor_calibration",
        "below_reference_accuracy",
    ),
    "learning_rate_too_low": (
        "slow_convergence",
        "underfitting",
        "not_learning",
        "undertrained",
        "prediction_collapse",
        "vanishing_gradients",
        "below_reference_accuracy",
    ),
    "augmentation_too_strong": (
        "not_learning",
        "underfitting",
        "slow_convergence",
        "prediction_collapse",
        "undertrained",
        "below_reference_accuracy",
    ),
    # moving statistics that never caught up: inference on other statistics than training's
    "saturated_activations": (
        "vanishing_gradients",
        "not_learning",
        "underfitting",
        "slow_convergence",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "dying_relu": (
        "not_learning",
        "underfitting",
        "vanishing_gradients",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "vanishing_gradients": (
        "not_learning",
        "underfitting",
        "slow_convergence",
        "prediction_collapse",
        "below_reference_accuracy",
    ),
    "exploding_gradients": (
        "loss_diverged",
        "initial_loss_off",
        "poor_calibration",
        "not_learning",
        "prediction_collapse",
        "underfitting",
        "minority_class_collapse",
        "below_reference_accuracy",
    ),
    "loss_diverged": (
        "prediction_collapse",
        "minority_class_collapse",
        "dying_relu",
        "not_learning",
        "poor_calibration",
        "exploding_gradients",
        "below_reference_accuracy",
    ),
    # wrong training labels hold training accuracy below a clean test split's
    "conflicting_labels": (
        "not_learning",
        "underfitting",
        "suspected_label_errors",
        "suspiciously_high_accuracy",
        "below_reference_accuracy",
    ),
    # heavy label noise also fools the learning-rate range test: the loss cannot fall, whatever the rate
    "suspected_label_errors": (
        "not_learning",
        "underfitting",
        "overfitting",
        "poor_calibration",
        "prediction_collapse",
        "learning_rate_too_low",
        "slow_convergence",
        "undertrained",
        "below_reference_accuracy",
    ),
    "split_leakage": ("suspiciously_high_accuracy",),
    # files that cannot be read leave their classes empty or short: the count is not the problem
    "missing_files": ("too_few_images", "empty_class", "class_imbalance"),
    "corrupt_images": ("too_few_images", "empty_class", "class_imbalance"),
    "class_imbalance": ("minority_class_collapse", "prediction_collapse"),
    "too_few_images": ("overfitting", "minority_class_collapse", "poor_calibration", "below_reference_accuracy"),
    "undertrained": (
        "underfitting",
        "slow_convergence",
        "minority_class_collapse",
        "poor_calibration",
        "suspiciously_high_accuracy",
        "below_reference_accuracy",
    ),
    # test above training accuracy: the training labels are worse than the test labels (or the test set leaks),
    # so the model "underfits" labels it should not fit (after undertrained: a short run also scores test high)
    "suspiciously_high_accuracy": ("underfitting", "poor_calibration", "slow_convergence"),
    "underfitting": ("minority_class_collapse", "prediction_collapse", "poor_calibration", "below_reference_accuracy"),
    "not_learning": ("prediction_collapse", "poor_calibration", "minority_class_collapse", "below_reference_accuracy"),
    "prediction_collapse": ("minority_class_collapse",),
    "overfitting": ("poor_calibration", "prediction_collapse", "minority_class_collapse", "below_reference_accuracy"),
}


# Findings that are statistical estimates (a quick model's view of the labels), not faults observed for
# certain: of two equally severe causes, the other one leads.
ESTIMATES = frozenset({"suspected_label_errors", "overlapping_classes"})


def link_causes(findings: list[Finding]) -> list[Finding]:
    """Set `evidence.caused_by` on each explained finding, give a cause its worst consequence's severity,
    and order the report: most severe first, a cause before what it caused."""
    # a cause whose fix was tried and changed nothing explains nothing
    present = {finding.id: finding for finding in findings if finding.severity != "info" and not refuted(finding)}
    cause_of = {}
    for finding in findings:
        for cause, consequences in CONSEQUENCES.items():
            if (
                cause in present
                and cause != finding.id
                and finding.id in consequences
                and not _explains(finding.id, cause, cause_of)
            ):
                cause_of[finding.id] = cause
                break
    linked = [
        replace(f, evidence={**f.evidence, CAUSED_BY: cause_of[f.id]}) if f.id in cause_of else f for f in findings
    ]
    severity = {f.id: f.severity for f in linked}
    for symptom, cause in cause_of.items():  # every cause up the chain is at least as severe as the symptom
        while cause is not None:
            if SEVERITY_RANK[severity[symptom]] < SEVERITY_RANK[severity[cause]]:
                severity[cause] = severity[symptom]
            cause = cause_of.get(cause)
    linked = [replace(f, severity=severity[f.id]) for f in linked]
    depth = {f.id: _depth(f.id, cause_of) for f in linked}
    cost = cost_ranks(linked)
    # equally severe roots: one whose fix was tried and did not help comes last; a cause leads over a symptom no
    # cause explains (it says what to change); then a fault found in the model or its training leads over an
    # estimate about the data, then the one that costs clearly more (evidence.impact)
    rank = {
        f.id: (SEVERITY_RANK[f.severity], depth[f.id], refuted(f), f.id in SYMPTOMS, f.id in ESTIMATES, cost[f.id])
        for f in linked
    }
    return say_when_unexplained(_tried_by_gain(sorted(linked, key=lambda f: rank[f.id]), rank))


# Symptoms: what a run shows, not why. One that no finding explains gets no generic advice (it pointed users
# the wrong way): the report says no single cause was found, and what was checked and ruled out.
SYMPTOMS = frozenset(
    {
        "not_learning",
        "underfitting",
        "prediction_collapse",
        "minority_class_collapse",
        "below_reference_accuracy",
        "slow_convergence",
        "loss_oscillating",
    }
)
# what the doctor checks for a cause, in words, and the findings that would have named one
CHECKED_CAUSES = (
    ("the loss and the output layer", ("loss_activation_mismatch", "loss_summed_over_batch", "loss_maximized")),
    ("hidden activations", ("wrong_hidden_activation", "missing_hidden_activation")),
    ("reductions over the batch", ("wrong_reduction_axis",)),
    ("frozen layers", ("frozen_layers",)),
    ("regularisation", ("over_regularization",)),
    ("input scaling", ("missing_normalization", "inputs_scaled_twice")),
    ("initialisation", ("poor_initialization", "initial_loss_off")),
    ("the network's width", ("insufficient_capacity",)),
    ("the learning rate", ("learning_rate_too_high", "learning_rate_too_low", "loss_diverged")),
    ("dead units and gradients", ("dying_relu", "vanishing_gradients", "exploding_gradients", "saturated_activations")),
    ("batch-normalisation statistics", ("stale_batch_statistics",)),
    ("training length", ("undertrained",)),
    ("augmentation", ("augmentation_too_strong",)),
    ("label errors", ("suspected_label_errors", "conflicting_labels", "duplicate_classes", "labels_misaligned")),
    ("class balance", ("class_imbalance", "too_few_images")),
    ("the splits", ("split_leakage", "test_distribution_shift", "label_mapping_mismatch", "unrepresentative_split")),
)


def say_when_unexplained(findings: list[Finding]) -> list[Finding]:
    """A symptom that leads with no cause found: replace its generic advice with what was ruled out."""
    present = {finding.id for finding in findings}
    ruled_out = [words for words, ids in CHECKED_CAUSES if not present & set(ids)]
    return [
        replace(
            finding,
            recommendation="No single cause found. Checked and ruled out: " + ", ".join(ruled_out) + ". "
            "Compare with a plain network (model.architecture=simple_cnn, model.builder=null) on the same data "
            "to tell a model problem from a data problem.",
            evidence={**finding.evidence, RULED_OUT: ruled_out},
        )
        if finding.id in SYMPTOMS and finding.severity != "info" and CAUSED_BY not in finding.evidence
        else finding
        for finding in findings
    ]


def _tried_by_gain(ordered: list[Finding], rank: dict[str, tuple]) -> list[Finding]:
    """Of tied findings whose fixes were both tried, the larger measured gain first; untried ones keep their
    places (a measured gain and an estimated cost are not on one scale)."""
    result = list(ordered)
    for key in set(rank.values()):
        places = [i for i, f in enumerate(result) if rank[f.id] == key and VERIFICATION in f.evidence]
        for place, finding in zip(places, sorted((result[i] for i in places), key=lambda f: -gain(f))):
            result[place] = finding
    return result


def _depth(finding_id: str, cause_of: dict[str, str]) -> int:
    depth = 0
    while finding_id in cause_of:
        finding_id, depth = cause_of[finding_id], depth + 1
    return depth


def _explains(finding_id: str, cause: str, cause_of: dict[str, str]) -> bool:
    """Whether `finding_id` is already (directly or not) the cause of `cause`: linking would make a loop."""
    while cause in cause_of:
        cause = cause_of[cause]
        if cause == finding_id:
            return True
    return False
