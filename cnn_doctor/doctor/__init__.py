"""The doctor: one module per finding family, each holding its findings' detection, wording and advice.

`FAMILIES` is the registry: the finding ids each family module alone produces. `causes` links them (a cause
before its symptoms) and `cnn_doctor.report` only renders. tests/test_findings_catalogue.py checks that every
catalogue id has exactly one home and that no other module constructs it.
"""

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
    ),
    # before training: the model and its loss, read statically and on one batch
    "model_checks": (
        "loss_activation_mismatch",
        "missing_normalization",
        "inputs_scaled_twice",
        "poor_initialization",
        "insufficient_capacity",
        "initial_loss_off",
        "loss_summed_over_batch",
        "wrong_hidden_activation",
        "frozen_layers",
        "over_regularization",
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


def family_of(finding_id: str) -> str:
    """The module (under cnn_doctor/doctor/) that produces a finding."""
    return next(family for family, ids in FAMILIES.items() if finding_id in ids)
