"""Evaluation findings: what the test predictions show (collapse, calibration, confusions, a suspicious score)."""

from __future__ import annotations

import numpy as np

from cnn_doctor.config import EvaluateParams
from cnn_doctor.findings import IMPACT, Finding

COLLAPSE_EXCESS = 0.25  # a class predicted this much more often than it occurs (as a share of the test set)


def diagnose_predictions(metrics: dict, classes: list[str], params: EvaluateParams) -> list[Finding]:
    if metrics.get("non_finite_outputs"):
        return [_broken_outputs(metrics["non_finite_outputs"])]
    findings = _label_mapping_mismatch(metrics, classes)
    shares = np.asarray(metrics["predicted_share"])
    present = [name for name, row in metrics["per_class"].items() if row["support"] > 0]
    support = np.asarray([metrics["per_class"][name]["support"] for name in classes], dtype=float)
    true_shares = support / max(support.sum(), 1.0)
    # one class takes half the predictions, far beyond its share of the test images (a majority class
    # predicted in proportion is not a collapse)
    excess = shares - true_shares
    if len(classes) > 2 and shares.max() >= 0.5 and excess[shares.argmax()] >= COLLAPSE_EXCESS:
        top = classes[int(shares.argmax())]
        findings.append(
            Finding(
                "prediction_collapse",
                "critical",
                "evaluate",
                f"The model predicts {top!r} for {shares.max():.0%} of test images.",
                "Check class balance (train.class_weight=auto, augment.balance=true) and the learning rate.",
                {"predicted_share": dict(zip(classes, shares.round(4).tolist()))},
            )
        )
    collapsed = {
        name: row["recall"]
        for name, row in metrics["per_class"].items()
        if row["support"] > 0 and row["recall"] < params.min_class_recall
    }
    if collapsed and len(collapsed) < len(present):
        findings.append(_minority_class_collapse(metrics, collapsed, len(present), params))
    if metrics["expected_calibration_error"] > params.max_calibration_error:
        findings.append(_poor_calibration(metrics, params))
    findings += _suspiciously_high(metrics, params)
    findings += stale_batch_statistics(metrics)
    findings += distribution_shift(metrics)
    findings += training_images_differ(metrics, params)
    findings += duplicate_classes(metrics, classes)
    findings += below_reference(metrics)
    findings += _confusable(metrics, classes)
    return findings


def recall_upper_bound(correct: int, images: int) -> float:
    """The highest recall consistent with `correct` of `images` (one-sided 95%, Clopper-Pearson): on a few
    test images a recall of 0 says little, and the report says how little."""
    from scipy.stats import beta

    return 1.0 if correct >= images else float(beta.ppf(0.95, correct + 1, images - correct))


def _minority_class_collapse(metrics: dict, collapsed: dict, present: int, params: EvaluateParams) -> Finding:
    """Classes the model never recognises: a problem whatever their share of the images, so its impact is on
    macro recall (each class counts as much as any other), not on overall accuracy."""
    support = {name: metrics["per_class"][name]["support"] for name in collapsed}
    bounds = {
        name: round(recall_upper_bound(round(recall * support[name]), support[name]), 3)
        for name, recall in collapsed.items()
    }
    described = ", ".join(
        f"{name!r} (recall {recall:.2f} on {support[name]} test image(s); at most {bounds[name]:.2f})"
        for name, recall in collapsed.items()
    )
    macro_loss = sum(1.0 - recall for recall in collapsed.values()) / present
    reference = metrics.get("reference") or {}
    # classes a plain network cross-validated on the same images fails as well: the data does not separate them
    inseparable = {
        name: recalled
        for name in collapsed
        if (recalled := reference_recall(reference, name)) is not None and recalled < params.min_class_recall
    }
    return Finding(
        "minority_class_collapse",
        "info" if inseparable and len(inseparable) == len(collapsed) else "warning",
        "evaluate",
        f"{len(collapsed)} class(es) are almost never recognised: {described}.",
        "Collect more images of these classes; keep train.class_weight=auto and augment.balance=true.",
        {
            "recall": collapsed,
            "support": support,
            "recall_upper_bound": bounds,
            "reference_recall": inseparable,
            "threshold": params.min_class_recall,
            IMPACT: {
                "accuracy_bound": round(macro_loss, 4),
                "how": "macro recall lost: each class counts 1/C whatever its share of the images",
            },
        },
    )


# Scored this far below chance on the evaluated split while the training images are learned (twice chance or
# more), the model is not guessing: it answers consistently with labels that mean other classes.
BELOW_CHANCE = 0.5


def _label_mapping_mismatch(metrics: dict, classes: list[str]) -> list[Finding]:
    chance, train_accuracy = 1.0 / len(classes), metrics.get("train_accuracy")
    if train_accuracy is None or metrics["test_accuracy"] >= BELOW_CHANCE * chance or train_accuracy < 2 * chance:
        return []
    matrix = np.asarray(metrics["confusion_matrix"])
    taken_for = {
        classes[row]: classes[int(matrix[row].argmax())]
        for row in range(len(classes))
        if matrix[row].sum() and matrix[row].argmax() != row
    }
    return [
        Finding(
            "label_mapping_mismatch",
            "critical",
            "evaluate",
            f"Test accuracy {metrics['test_accuracy']:.3f} is far below chance ({chance:.3f}) while training "
            f"accuracy is {train_accuracy:.3f}: the test labels name other classes than the training labels.",
            "Use the same label names (or class order) in every split of the manifest; the model's answers "
            "suggest this mapping: " + ", ".join(f"{given!r} -> {meant!r}" for given, meant in taken_for.items()),
            {
                "test_accuracy": metrics["test_accuracy"],
                "train_accuracy": train_accuracy,
                "chance": chance,
                "test_label_predicted_as": taken_for,
            },
        )
    ]


def _broken_outputs(share: float) -> Finding:
    """NaN or infinite outputs: nothing else the predictions show means anything."""
    return Finding(
        "prediction_collapse",
        "critical",
        "evaluate",
        f"The model outputs NaN or infinite values for {share:.0%} of test images: it predicts nothing there.",
        "The weights blew up in training or the output activation overflows: see the leading cause; use a "
        "softmax output with cross-entropy and a lower train.learning_rate.",
        {"non_finite_share": share},
    )


def _poor_calibration(metrics: dict, params: EvaluateParams) -> Finding:
    confidence, accuracy = metrics["mean_confidence"], metrics["test_accuracy"]
    underconfident = confidence < accuracy
    return Finding(
        "poor_calibration",
        "warning",
        "evaluate",
        f"Confidence does not match accuracy: expected calibration error {metrics['expected_calibration_error']:.3f} "
        f"(limit {params.max_calibration_error}); the model is {'under' if underconfident else 'over'}confident "
        f"(mean confidence {confidence:.2f}, accuracy {accuracy:.2f}).",
        "Its outputs are flattened: lower the label smoothing or the regularisation in your loss, or calibrate "
        "(temperature scaling) before reading scores as probabilities."
        if underconfident
        else "Do not read the scores as probabilities; add regularisation (model.dropout, model.l2) or calibrate.",
        {
            "expected_calibration_error": metrics["expected_calibration_error"],
            "mean_confidence": confidence,
            "accuracy": accuracy,
        },
    )


def _suspiciously_high(metrics: dict, params: EvaluateParams) -> list[Finding]:
    train_accuracy = metrics.get("train_accuracy")
    if train_accuracy is None or metrics["test_accuracy"] <= train_accuracy + params.max_test_above_train:
        return []
    return [
        Finding(
            "suspiciously_high_accuracy",
            "warning",
            "evaluate",
            f"Test accuracy {metrics['test_accuracy']:.3f} is above training accuracy {train_accuracy:.3f}: "
            "the test set is easier than the training set, or leaks into it.",
            "Training labels noisier than the test labels, or test images that leak into training, do this: "
            "list likely mislabelled training images (validate.label_errors=true) and check split_leakage; "
            "or let cnn-doctor split the data (drop the split column).",
            {
                "test_accuracy": metrics["test_accuracy"],
                "train_accuracy": train_accuracy,
                "margin": params.max_test_above_train,
            },
        )
    ]


def _confusable(metrics: dict, classes: list[str]) -> list[Finding]:
    matrix = np.asarray(metrics["confusion_matrix"])
    np.fill_diagonal(matrix, 0)
    if matrix.sum() == 0:
        return []
    pairs = sorted(((int(matrix[i, j]), classes[i], classes[j]) for i, j in zip(*np.nonzero(matrix))), reverse=True)[:3]
    return [
        Finding(
            "confusable_classes",
            "info",
            "evaluate",
            "Most confused: " + ", ".join(f"{true!r} taken for {pred!r} ({n}x)" for n, true, pred in pairs) + ".",
            "Look at these classes' images side by side; more varied examples of each help most.",
            {"pairs": [{"true": true, "predicted": pred, "count": n} for n, true, pred in pairs]},
        )
    ]


# --------------------------------------------------------------- causes the predictions alone can name

NOISE_Z = 1.645  # one-sided 95%: a difference of accuracies chance does not explain
# A gap worth a warning even when it is certain: under this, the finding costs less than the label noise of a
# typical dataset (and is not worth a user's day).
MIN_GAP = 0.1


def chance_gap(first: float, first_images: int, second: float, second_images: int) -> float:
    """The difference of two accuracies that chance explains on these image counts (NOISE_Z standard errors)."""
    if min(first_images, second_images) <= 0:
        return 1.0
    variance = first * (1 - first) / first_images + second * (1 - second) / second_images
    return NOISE_Z * float(np.sqrt(max(variance, 1e-12)))


def _accuracy_gap(high: float, high_images: int, low: float, low_images: int) -> float | None:
    """`high - low` when it is at least MIN_GAP and beyond chance, else None."""
    gap = high - low
    return gap if gap >= max(MIN_GAP, chance_gap(high, high_images, low, low_images)) else None


def stale_batch_statistics(metrics: dict) -> list[Finding]:
    """The evaluated split scored with each batch's own statistics against the moving averages."""
    batch = metrics.get("batch_statistics_accuracy")
    if batch is None:
        return []
    return stale_statistics(batch, metrics["test_accuracy"], metrics["test_images"], "evaluate")


def stale_statistics(batch: float, inference: float, images: int, stage: str) -> list[Finding]:
    """Scored with each batch's own statistics, the network does far better than with its moving averages:
    batch normalisation's moving statistics never caught up with the weights (momentum 0.99 and few steps)."""
    gap = _accuracy_gap(batch, images, inference, images)
    if gap is None:
        return []
    return [
        Finding(
            "stale_batch_statistics",
            "warning",
            stage,
            f"With each batch normalised by its own statistics the model scores {batch:.3f}; with the moving "
            f"averages it uses at inference, {inference:.3f}: its batch-normalisation statistics "
            "never caught up with its weights.",
            "Give BatchNormalization a lower momentum (momentum=0.9 in your model builder) or train more steps "
            "(a smaller train.batch_size, more train.epochs).",
            {
                "accuracy_with_batch_statistics": batch,
                "accuracy_with_moving_statistics": inference,
                "images": images,
                IMPACT: {"accuracy_bound": round(gap, 4), "how": "batch-statistics minus inference accuracy"},
            },
        )
    ]


# Splits whose images' mean brightness or texture differs by this many pooled standard deviations look different
# (effect size; with thousands of images any difference is "significant", so the size decides).
SHIFTED_BRIGHTNESS = 0.5
SHIFTED_TEXTURE = 1.0


def pixel_statistics(images_by_split: dict[str, np.ndarray]) -> dict:
    """Per split (images 0-255, NHWC), the mean and spread over its images of their mean brightness and of their
    texture (mean absolute difference of neighbouring pixels: grain and noise raise it, blur lowers it); and how
    far the test split lies from the training split in pooled standard deviations (effect sizes)."""
    stats: dict = {}
    for split, images in images_by_split.items():
        pixels = np.asarray(images, dtype=np.float32)
        across = np.abs(np.diff(pixels, axis=2)).mean(axis=(1, 2, 3))
        down = np.abs(np.diff(pixels, axis=1)).mean(axis=(1, 2, 3))
        for name, values in (("mean", pixels.mean(axis=(1, 2, 3))), ("texture", (across + down) / 2)):
            stats.setdefault(split, {})[name] = float(values.mean())
            stats[split][f"{name}_std"] = float(values.std())
    for name, key in (("mean", "brightness_shift"), ("texture", "texture_shift")):
        pooled = np.sqrt((stats["train"][f"{name}_std"] ** 2 + stats["test"][f"{name}_std"] ** 2) / 2) or 1.0
        stats[key] = round(float((stats["test"][name] - stats["train"][name]) / pooled), 3)
    return stats


def _looks_different(stats: dict) -> str:
    """How the test images look different from the training images ("" when they do not)."""
    differences = []
    if abs(stats.get("brightness_shift") or 0.0) >= SHIFTED_BRIGHTNESS:
        differences.append(
            f"mean brightness {stats['test']['mean']:.0f} against {stats['train']['mean']:.0f} in training "
            f"({stats['brightness_shift']:+.1f} standard deviations)"
        )
    if abs(stats.get("texture_shift") or 0.0) >= SHIFTED_TEXTURE:
        differences.append(
            f"texture (neighbouring pixels differ by {stats['test']['texture']:.1f} on average against "
            f"{stats['train']['texture']:.1f} in training: {stats['texture_shift']:+.1f} standard deviations)"
        )
    return "; ".join(differences)


# Training and validation accuracy this close agree (the model generalises to its own distribution).
TRAIN_VAL_AGREE = 0.15


def distribution_shift(metrics: dict) -> list[Finding]:
    """Validation accuracy far above test accuracy while training and validation agree: the test images are
    not drawn from the distribution the model was trained and validated on."""
    val, train = metrics.get("val_accuracy"), metrics.get("train_accuracy")
    if metrics.get("evaluated_split") != "test" or val is None or train is None:
        return []
    gap = _accuracy_gap(val, metrics.get("val_images", 0), metrics["test_accuracy"], metrics["test_images"])
    if gap is None or train - val > TRAIN_VAL_AGREE:
        return []
    stats = metrics.get("split_statistics") or {}
    looks = f" The test images also look different: {_looks_different(stats)}." if _looks_different(stats) else ""
    confidence = metrics.get("split_confidence") or {}
    return [
        Finding(
            "test_distribution_shift",
            "critical" if metrics["test_accuracy"] < 2.0 / len(metrics["per_class"]) else "warning",
            "evaluate",
            f"Validation accuracy is {val:.3f} but test accuracy {metrics['test_accuracy']:.3f}, while training "
            f"({train:.3f}) and validation agree: the test images come from another distribution than the "
            f"images the model learned from.{looks}",
            "Draw the test split from the same source as training (or let cnn-doctor split the data: drop the "
            "split column); if the test source is what the model will meet, add images of it to training.",
            {
                "val_accuracy": val,
                "test_accuracy": metrics["test_accuracy"],
                "train_accuracy": train,
                "split_statistics": stats,
                "mean_confidence": confidence,
                IMPACT: {"accuracy_bound": round(gap, 4), "how": "validation minus test accuracy"},
            },
        )
    ]


def training_images_differ(metrics: dict, params: EvaluateParams) -> list[Finding]:
    """Test accuracy above training accuracy while the training images look different from the test
    images (noisier, darker, processed otherwise): the model learned from another distribution than the one
    it is scored on. Without a pixel difference the training labels are the likelier cause (not this)."""
    train, test = metrics.get("train_accuracy"), metrics["test_accuracy"]
    stats = metrics.get("split_statistics") or {}
    looks = _looks_different(stats)
    if metrics.get("evaluated_split") != "test" or train is None or not looks:
        return []
    if test <= train + params.max_test_above_train:  # the margin `suspiciously_high_accuracy` allows
        return []
    return [
        Finding(
            "test_distribution_shift",
            "warning",
            "evaluate",
            f"Test accuracy {test:.3f} is above training accuracy {train:.3f}, and the training images look "
            f"different from the test images: {looks}. The model learned from images unlike those it is "
            "scored on (noise or another processing added to the training images, another source).",
            "Give the training images the source and processing of the images the model will meet (no added "
            "noise, the same camera and scaling); if the difference is on purpose (augmentation), make it milder.",
            {
                "test_accuracy": test,
                "train_accuracy": train,
                "split_statistics": stats,
                IMPACT: {"accuracy_bound": round(test - train, 4), "how": "test minus training accuracy"},
            },
        )
    ]


# Two classes are one when the network keeps their images within the pair (this share of them) and yet
# cannot tell which of the two an image is (within-pair accuracy no better than a coin beyond chance).
PAIR_CONTAINED = 0.9
MIN_PAIR_IMAGES = 10
# ...and takes each of the two for at least this share of the pair's images (else it collapsed onto one)
MIN_PREDICTED_SHARE = 0.1


def duplicate_classes(metrics: dict, classes: list[str]) -> list[Finding]:
    """Pairs of classes the network separates from every other class but not from each other."""
    matrix = np.asarray(metrics["confusion_matrix"], dtype=float)
    found = []
    for first in range(len(classes)):
        for second in range(first + 1, len(classes)):
            pair = [first, second]
            images = matrix[pair].sum()
            within = matrix[np.ix_(pair, pair)]
            if images < MIN_PAIR_IMAGES or within.sum() < PAIR_CONTAINED * images:
                continue
            right = np.trace(within) / within.sum()
            others = [c for c in range(len(classes)) if c not in pair]
            others_right = np.trace(matrix[np.ix_(others, others)]) / max(matrix[others].sum(), 1.0)
            if (
                right - 0.5 > chance_gap(0.5, int(within.sum()), 0.5, 10**9)
                or within.sum(axis=0).min() < MIN_PREDICTED_SHARE * within.sum()  # one class taken for both
                or others_right < 2.0 / len(classes)  # a model that separates nothing separates no pair either
                or _reference_separates(metrics.get("reference") or {}, classes[first], classes[second])
            ):
                continue
            names = f"{classes[first]!r} and {classes[second]!r}"
            found.append(
                Finding(
                    "duplicate_classes",
                    "warning",
                    "evaluate",
                    f"Classes {names} look like one class: the network keeps their images apart from every other "
                    f"class ({within.sum() / images:.0%} stay within the pair) but gets only {right:.0%} of them "
                    "right between the two (a coin gets 50%).",
                    f"If {names} name the same thing, merge their folders (or labels); if they differ, collect "
                    "images that show the difference.",
                    {
                        "classes": [classes[first], classes[second]],
                        "within_pair_accuracy": round(float(right), 4),
                        "kept_within_pair": round(float(within.sum() / images), 4),
                        IMPACT: {
                            "accuracy_bound": round(float((1 - right) * images / matrix.sum()), 4),
                            "how": "the pair's images the network gets wrong between the two, as a share of all",
                        },
                    },
                )
            )
    return found


def _reference_within_pair(reference: dict, first: str, second: str) -> tuple[float, int] | None:
    """The reference model's accuracy between two classes on their images (and how many it kept in the pair)."""
    names = reference.get("classes") or []
    if first not in names or second not in names or "confusion" not in reference:
        return None
    pair = [names.index(first), names.index(second)]
    within = np.asarray(reference["confusion"], dtype=float)[np.ix_(pair, pair)]
    return (float(np.trace(within) / within.sum()), int(within.sum())) if within.sum() else None


def _reference_separates(reference: dict, first: str, second: str) -> bool:
    """A plain network cross-validated on the same images tells the two apart beyond chance: the pair is two
    classes, and the model at hand is what fails them."""
    measured = _reference_within_pair(reference, first, second)
    return measured is not None and measured[0] - 0.5 > chance_gap(0.5, measured[1], 0.5, 10**9)


def reference_recall(reference: dict, name: str) -> float | None:
    names = reference.get("classes") or []
    if name not in names or "confusion" not in reference:
        return None
    row = np.asarray(reference["confusion"], dtype=float)[names.index(name)]
    return float(row[names.index(name)] / row.sum()) if row.sum() else None


def below_reference(metrics: dict) -> list[Finding]:
    """The model ends clearly below what a plain network reached on the same images (the label model,
    cross-validated in validate): something in the model or its training holds it back."""
    reference = metrics.get("reference") or {}
    accuracy, n = metrics["test_accuracy"], metrics["test_images"]
    if not reference.get("accuracy"):
        return []
    gap = _accuracy_gap(reference["accuracy"], reference["images"], accuracy, n)
    if gap is None:
        return []
    return [
        Finding(
            "below_reference_accuracy",
            "warning",
            "evaluate",
            f"The model ends at test accuracy {accuracy:.3f}, below the {reference['accuracy']:.3f} that a plain "
            f"{reference['model']} model reached on the same images (cross-validated): the data allows more.",
            "The cause is in the model or its training: see the findings it links; with none, compare your model "
            "with model.architecture=simple_cnn (model.builder=null).",
            {"reference": reference, IMPACT: {"accuracy_bound": round(gap, 4), "how": "reference minus test"}},
        )
    ]
