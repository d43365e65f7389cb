"""Likely mislabelled images by confident learning (cleanlab) on out-of-sample predicted probabilities."""

from __future__ import annotations

import warnings

import numpy as np

THUMBNAIL_SIDE = 16
MIN_IMAGES_PER_CLASS = 5


def thumbnail(gray_image) -> np.ndarray:
    """The small grayscale view the quick label-error model sees."""
    from PIL import Image

    resized = gray_image.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
    return np.asarray(resized, dtype=np.uint8).reshape(-1)


def out_of_sample_probabilities(features: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """Cross-validated class probabilities from a model quick enough for the validate stage."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    folds = min(5, int(np.bincount(labels).min()))
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=300))
    # A fold that stops at max_iter before converging still ranks the images well; its warning, once per
    # fold and run, means nothing to the user.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cross_val_predict(
            model,
            features.astype(np.float32),
            labels,
            method="predict_proba",
            cv=StratifiedKFold(folds, shuffle=True, random_state=seed),
        )


def find_label_errors(features: np.ndarray, labels: list[str], seed: int = 0) -> list[dict]:
    """Images whose given label the data contradicts, most certain first, with the label it suggests."""
    from cleanlab.filter import find_label_issues

    classes, label_ids = np.unique(np.asarray(labels), return_inverse=True)
    if len(classes) < 2 or np.bincount(label_ids).min() < MIN_IMAGES_PER_CLASS:
        return []
    probabilities = out_of_sample_probabilities(features, label_ids, seed)
    # n_jobs=1: a forked pool inherits Prefect's SIGTERM handler and prints a TerminationSignal traceback
    ranked = find_label_issues(label_ids, probabilities, return_indices_ranked_by="self_confidence", n_jobs=1)
    return [
        {
            "index": int(i),
            "given": str(classes[label_ids[i]]),
            "suggested": str(classes[probabilities[i].argmax()]),
            "confidence_in_given": round(float(probabilities[i, label_ids[i]]), 4),
        }
        for i in ranked
    ]


# A class pair is overlapping when it holds this many times the flags a uniform spread over all pairs would
# give it (and at least MIN_OVERLAP_FLAGS): wrong labels scatter over every pair, genuinely ambiguous images
# pile up between the classes they sit between (Fashion-MNIST: shirt, t-shirt, pullover, coat).
OVERLAP_CONCENTRATION = 2.0
MIN_OVERLAP_FLAGS = 5


def overlapping_pairs(issues: list[dict], num_classes: int) -> dict[tuple[str, str], int]:
    """The class pairs (sorted names) where the flags concentrate, with their flag counts."""
    counts: dict[tuple[str, str], int] = {}
    for issue in issues:
        pair = tuple(sorted((issue["given"], issue["suggested"])))
        counts[pair] = counts.get(pair, 0) + 1
    uniform = len(issues) / max(1, num_classes * (num_classes - 1) / 2)
    return {
        pair: count
        for pair, count in sorted(counts.items(), key=lambda item: -item[1])
        if count >= MIN_OVERLAP_FLAGS and count >= OVERLAP_CONCENTRATION * uniform
    }
