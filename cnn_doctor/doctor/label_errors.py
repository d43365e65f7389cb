"""Likely mislabelled images by confident learning (cleanlab) on out-of-sample predicted probabilities.

cleanlab's own guidance: the probabilities must come from a model as good at the task as the one you train,
predicting images it was not trained on. The default label model is a small CNN trained K-fold on 28x28
grayscale views (`validate.label_model=cnn`); `linear` is the seconds-fast logistic regression on 16x16
thumbnails, good on digits, smeared by overlapping classes on photos (bench/README.md, "Label errors").
"""

from __future__ import annotations

import warnings

import numpy as np

MIN_IMAGES_PER_CLASS = 5
FOLDS = 5
# The CNN's training budget per fold: about this many images seen (12 epochs of 3,200 images, which is where
# the out-of-sample accuracy of 4,000 Fashion-MNIST photos stopped improving), at least MIN_EPOCHS and at most
# MAX_EPOCHS; the cost stays near a minute on 2 cores from 4,000 to 70,000 images.
SAMPLES_PER_FOLD = 40_000
MIN_EPOCHS, MAX_EPOCHS = 2, 15
BATCH_SIZE = 64


def linear_probabilities(thumbnails: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """Cross-validated class probabilities from a logistic regression on thumbnails (seconds)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=300))
    # A fold that stops at max_iter before converging still ranks the images well; its warning, once per
    # fold and run, means nothing to the user. One BLAS thread: the matrices are small, and on a busy 2-core
    # machine threaded BLAS spins against the other work, 3-10x slower (bench/README.md "Scale").
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return cross_val_predict(
            model,
            thumbnails.reshape(len(thumbnails), -1).astype(np.float32),
            labels,
            method="predict_proba",
            cv=_folds(labels, seed),
        )


def cnn_probabilities(views: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """Cross-validated class probabilities from a small CNN trained on each fold's other images."""
    num_classes = int(labels.max()) + 1
    probabilities = np.zeros((len(labels), num_classes), dtype=np.float32)
    for fold, (train, held_out) in enumerate(_folds(labels, seed).split(views, labels)):
        model = _label_cnn(views.shape[1:], num_classes, seed + fold)
        epochs = int(np.clip(round(SAMPLES_PER_FOLD / len(train)), MIN_EPOCHS, MAX_EPOCHS))
        model.fit(views[train, ..., None], labels[train], batch_size=BATCH_SIZE, epochs=epochs, verbose=0)
        # called eagerly: `predict` on a fresh model each fold makes TensorFlow warn about retracing
        for start in range(0, len(held_out), 512):
            rows = held_out[start : start + 512]
            probabilities[rows] = np.asarray(model(views[rows, ..., None], training=False))
    return probabilities


def _label_cnn(shape: tuple[int, int], num_classes: int, seed: int):
    from cnn_doctor.quiet import import_tensorflow_quietly

    import_tensorflow_quietly()
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((*shape, 1)),
            layers.Rescaling(1.0 / 255.0),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="label_model",
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _folds(labels: np.ndarray, seed: int):
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(min(FOLDS, int(np.bincount(labels).min())), shuffle=True, random_state=seed)


def find_label_errors(
    views: np.ndarray, labels: list[str], model: str = "cnn", seed: int = 0
) -> tuple[list[dict], dict | None]:
    """Images whose given label the data contradicts, most certain first, with the label it suggests and the
    runner-up (`second`): `views` are label views for the `cnn` model, thumbnails for `linear`. And the
    reference: the label model's out-of-sample accuracy, a measured lower bound on what a plain network
    reaches on these images (None when the search could not run)."""
    from cleanlab.filter import find_label_issues

    classes, label_ids = np.unique(np.asarray(labels), return_inverse=True)
    if len(classes) < 2 or np.bincount(label_ids).min() < MIN_IMAGES_PER_CLASS:
        return [], None
    predict = cnn_probabilities if model == "cnn" else linear_probabilities
    probabilities = predict(views, label_ids, seed)
    from sklearn.metrics import confusion_matrix

    predicted = probabilities.argmax(axis=1)
    reference = {
        "accuracy": round(float(np.mean(predicted == label_ids)), 4),
        "images": int(len(label_ids)),
        "model": model,
        "classes": [str(name) for name in classes],
        "confusion": confusion_matrix(label_ids, predicted, labels=range(len(classes))).tolist(),
        "how": f"the label model ({model}), cross-validated on every usable image: out-of-sample accuracy",
    }
    # n_jobs=1: a forked pool inherits Prefect's SIGTERM handler and prints a TerminationSignal traceback
    ranked = find_label_issues(label_ids, probabilities, return_indices_ranked_by="self_confidence", n_jobs=1)
    order = np.argsort(-probabilities, axis=1)
    issues = [
        {
            "index": int(i),
            "given": str(classes[label_ids[i]]),
            "suggested": str(classes[order[i, 0]]),
            "second": str(classes[order[i, 1]]),
            "confidence_in_given": round(float(probabilities[i, label_ids[i]]), 4),
        }
        for i in ranked
    ]
    return issues, reference


# A class pair is overlapping when it holds this many times the flags of the median class pair (and at least
# MIN_OVERLAP_FLAGS): wrong labels scatter over every pair, genuinely ambiguous images pile up between the
# classes they sit between (Fashion-MNIST: shirt, t-shirt, pullover, coat). The median, not the mean: a few
# heavy pairs inflate the mean until, under heavy label noise, the real overlaps no longer stand out.
OVERLAP_CONCENTRATION = 2.0
MIN_OVERLAP_FLAGS = 5


def overlapping_pairs(issues: list[dict], num_classes: int) -> dict[tuple[str, str], int]:
    """The class pairs (sorted names) where the flags concentrate, with their flag counts; not the pairs through
    which one class's images were moved to others (`moved_from`)."""
    counts: dict[tuple[str, str], int] = {}
    for issue in issues:
        pair = tuple(sorted((issue["given"], issue["suggested"])))
        counts[pair] = counts.get(pair, 0) + 1
    all_pairs = num_classes * (num_classes - 1) // 2
    median = float(np.median([*counts.values(), *[0] * max(0, all_pairs - len(counts))])) if counts else 0.0
    concentrated = {
        pair: count
        for pair, count in sorted(counts.items(), key=lambda item: -item[1])
        if count >= MIN_OVERLAP_FLAGS and count >= OVERLAP_CONCENTRATION * max(1.0, median)
    }
    moved = moved_from(issues, concentrated)
    return {pair: count for pair, count in concentrated.items() if not moved & set(pair)}


# Genuinely ambiguous images are flagged both ways between their two classes (Fashion-MNIST's shirt / t-shirt:
# 40 and 40). Images of one class relabelled as others (DeepCrime's change_label) are flagged one way only,
# back towards their class, from several classes at once: digit 3 from 9, 6 and 4, 24 flags, none the other way.
ONE_WAY = 0.9  # this share of a pair's flags point the same way
MOVED_FROM_PAIRS = 3  # ...for this many pairs that share the class they point to


def moved_from(issues: list[dict], pairs: dict[tuple[str, str], int]) -> set[str]:
    """Classes whose images the flags send back from several other classes, one way only: their images were
    moved to other classes, which no ambiguity between two classes explains."""
    towards: dict[tuple[str, str], int] = {}
    for issue in issues:
        towards[(issue["given"], issue["suggested"])] = towards.get((issue["given"], issue["suggested"]), 0) + 1
    receivers: dict[str, int] = {}
    for pair, count in pairs.items():
        for given, suggested in (pair, pair[::-1]):
            if towards.get((given, suggested), 0) >= ONE_WAY * count:
                receivers[suggested] = receivers.get(suggested, 0) + 1
    return {name for name, one_way_pairs in receivers.items() if one_way_pairs >= MOVED_FROM_PAIRS}
