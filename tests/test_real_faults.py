"""Faults seen when the doctor met real data and real broken programs (Fashion-MNIST, Stack Overflow models),
each reproduced small and fast (no training): every test here failed before its fix.

The end-to-end versions, trained on the digits, are in test_doctor.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cnn_doctor.config import DiagnoseParams, EvaluateParams, PreprocessParams, TrainParams
from cnn_doctor.doctor.curves import diagnose_curves
from cnn_doctor.doctor.learning_rate import range_test_verdict
from cnn_doctor.doctor.model_checks import check_capacity, check_input_scaling
from cnn_doctor.doctor.predictions import diagnose_predictions
from cnn_doctor.findings import Finding
from cnn_doctor.quiet import import_tensorflow_quietly
from tasks.evaluate import compute_metrics, usable_outputs
from tasks.preprocess import assign_splits

CLASSES = [f"c{i}" for i in range(10)]


@pytest.fixture(scope="module")
def keras():
    import_tensorflow_quietly()
    import keras

    return keras


def by_id(findings) -> dict:
    return {finding.id: finding for finding in findings}


# ------------------------------------------------ the model checks


def test_lenet_is_not_called_too_small(keras):
    """LeNet-5 starts with 6 channels for 10 classes and reaches 99% on MNIST: channels are no bottleneck."""
    layers = keras.layers
    lenet = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(6, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Conv2D(16, 5, activation="tanh"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(120, activation="tanh"),
            layers.Dense(84, activation="tanh"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert check_capacity(lenet, 10) == []


def test_channels_pooled_into_a_narrow_vector_are_a_bottleneck(keras):
    layers = keras.layers
    pooled = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            layers.Conv2D(4, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    (finding,) = check_capacity(pooled, 10)
    assert finding.id == "insufficient_capacity" and list(finding.evidence["bottlenecks"].values()) == [4]


@pytest.mark.parametrize(("scale", "flagged"), [(1.0, True), (1 / 255, False)])
def test_a_rescaling_layer_counts_only_if_it_rescales(keras, scale, flagged):
    """A user's Rescaling(1.0) first: 0-255 pixels still reach the first convolution."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Rescaling(scale),
            layers.Conv2D(4, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )
    pixels = np.random.default_rng(0).integers(0, 256, (16, 8, 8, 1)).astype("float32")
    findings = by_id(check_input_scaling(model, pixels))
    assert ("missing_normalization" in findings) is flagged


# ------------------------------------------------ the curves and the learning rate


def test_one_epoch_of_training_is_undertrained():
    history = {"loss": [1.1], "val_loss": [0.7], "accuracy": [0.62], "val_accuracy": [0.76]}
    one_epoch = TrainParams(epochs=1)
    undertrained = by_id(diagnose_curves(history, 10, one_epoch, DiagnoseParams()))["undertrained"]
    assert undertrained.severity == "warning" and "1 epoch" in undertrained.summary


UNDERTRAINED = Finding(
    "undertrained", "warning", "train", "Training stopped after only 1 epoch(s).", "Raise train.epochs.", {}
)


def test_one_epoch_does_not_blame_the_learning_rate():
    """Too few epochs to judge the rate by: the range test's low suggestion is no verdict on the rate."""
    test = {"suggested_learning_rate": 0.03, "loss_minimum_at": 0.3}
    verdict = range_test_verdict(test, TrainParams(epochs=1, learning_rate=0.001), [UNDERTRAINED], [1.1])
    assert verdict == []


def test_training_longer_at_99_6_percent_is_a_detail():
    accuracy = [0.95, 0.975, 0.985, 0.99, 0.993, 0.996]
    history = {
        "loss": [0.4, 0.2, 0.1, 0.06, 0.04, 0.03],
        "val_loss": [0.2, 0.1, 0.06, 0.04, 0.03, 0.02],
        "accuracy": accuracy,
        "val_accuracy": accuracy,
    }
    undertrained = by_id(diagnose_curves(history, 10, TrainParams(epochs=6), DiagnoseParams()))["undertrained"]
    assert undertrained.severity == "info"
    assert undertrained.evidence["impact"]["accuracy_bound"] == pytest.approx(0.004)


# ------------------------------------------------ the predictions


@pytest.mark.parametrize("broken", [np.nan, np.inf])
def test_nan_or_infinite_outputs_get_a_finding_not_a_traceback(broken):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 200)
    outputs = np.full((200, 10), broken)
    probabilities, share = usable_outputs(outputs)
    metrics = compute_metrics(probabilities, labels, CLASSES) | {"non_finite_outputs": share}
    (finding,) = diagnose_predictions(metrics, CLASSES, EvaluateParams())
    assert (finding.id, finding.severity, share) == ("prediction_collapse", "critical", 1.0)


def test_test_labels_in_another_class_order_are_named():
    """The test rows use another class order: the model answers consistently, with the training meaning."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    meant = (labels + 1) % 10  # what the network, trained on the other order, answers
    probabilities = np.eye(10)[meant] * 0.9 + 0.01
    metrics = compute_metrics(probabilities, labels, CLASSES) | {"train_accuracy": 0.98}
    findings = by_id(diagnose_predictions(metrics, CLASSES, EvaluateParams()))
    mismatch = findings["label_mapping_mismatch"]
    assert mismatch.severity == "critical"
    assert mismatch.evidence["test_label_predicted_as"]["c0"] == "c1"


def test_a_model_that_learned_nothing_is_no_label_mismatch():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    metrics = compute_metrics(rng.dirichlet(np.ones(10), 500), labels, CLASSES) | {"train_accuracy": 0.11}
    assert "label_mapping_mismatch" not in by_id(diagnose_predictions(metrics, CLASSES, EvaluateParams()))


# ------------------------------------------------ the splits


def official_split(per_class: int = 40) -> pd.DataFrame:
    """A manifest as Fashion-MNIST's official split gives it: train and test rows, no validation rows."""
    rows = [
        {
            "path": f"{label}/{split}-{index}.png",
            "label": label,
            "split": split,
            "content_group": f"{label}{split}{index}",
        }
        for label in ("a", "b", "c")
        for split, count in (("train", per_class), ("test", per_class // 4))
        for index in range(count)
    ]
    return pd.DataFrame(rows).astype({"split": "string"})


def test_a_train_test_manifest_gets_a_validation_split_from_its_training_rows():
    manifest = official_split()
    splits = assign_splits(manifest, PreprocessParams(val_fraction=0.25))
    carved = manifest[splits == "val"]
    assert len(carved) == 30 and set(carved["label"].value_counts()) == {10}  # stratified: 10 of each class
    assert (manifest.loc[splits == "val", "split"] == "train").all()  # never a test row
    assert (splits[manifest["split"] == "test"] == "test").all()


def test_copies_stay_together_when_the_validation_split_is_carved():
    manifest = official_split()
    manifest.loc[manifest["label"] == "a", "content_group"] = [f"group{i // 2}" for i in range(50)]
    splits = assign_splits(manifest, PreprocessParams(val_fraction=0.25))
    for _, group in manifest[manifest["split"] == "train"].groupby("content_group"):
        assert splits[group.index].nunique() == 1


# ------------------------------------------------ duplicates, checked pixel by pixel (real Fashion-MNIST photos)


@pytest.fixture(scope="module")
def fashion_thumbnails():
    """The first 10,000 Fashion-MNIST training photos: perceptual hashes and the thumbnails validate keeps."""
    from PIL import Image

    from cnn_doctor.data.decoding import _perceptual_hash, thumbnail
    from cnn_doctor.data.fashion_mnist import read_split

    images, labels = read_split("train")
    grays = [Image.fromarray(image) for image in images[:10_000]]
    return grays, [_perceptual_hash(g) for g in grays], [thumbnail(g) for g in grays], labels[:10_000]


def as_manifest(indices, hashes, labels) -> pd.DataFrame:
    rows = [
        {"path": f"{i}.png", "label": str(labels[i]), "split": "train", "perceptual_hash": hashes[i]} for i in indices
    ]
    return pd.DataFrame(rows).astype({"split": "string"})


def test_similar_products_sharing_a_hash_are_not_duplicates(fashion_thumbnails, tmp_path, fast_params, layout):
    """On Fashion-MNIST, different photos of similar products share perceptual hashes: no copies, no conflicts."""
    from cnn_doctor.data.fashion_mnist import CLASSES
    from cnn_doctor.doctor.dataset_checks import DUPLICATE_DISTANCE, pixel_distance
    from cnn_doctor.layout import read_json
    from tasks.validate import validate

    grays, hashes, thumbs, labels = fashion_thumbnails
    by_hash: dict[str, list[int]] = {}
    for index, value in enumerate(hashes):
        by_hash.setdefault(value, []).append(index)
    distinct = [
        (a, b)
        for a, b, *_ in (members for members in by_hash.values() if len(members) > 1)
        if pixel_distance(thumbs[a], thumbs[b]) > 2 * DUPLICATE_DISTANCE
    ]
    assert len(distinct) >= 5, "the sample should hold hash collisions of distinct photos"
    for index in (index for pair in distinct for index in pair):
        (tmp_path / "data" / CLASSES[labels[index]]).mkdir(parents=True, exist_ok=True)
        grays[index].save(tmp_path / "data" / CLASSES[labels[index]] / f"{index}.png")
    validate.fn(tmp_path / "data", "", fast_params("validate.label_errors=false").validate_params, layout)
    found = {finding["id"] for finding in read_json(layout.findings("validate"))}
    assert not found & {"duplicate_images", "conflicting_labels", "split_leakage"}


def test_a_reencoded_copy_is_a_duplicate_with_its_distance(fashion_thumbnails):
    import io

    from PIL import Image

    from cnn_doctor.data.decoding import _perceptual_hash, thumbnail
    from cnn_doctor.doctor.dataset_checks import DUPLICATE_DISTANCE, verified_content_groups

    grays, hashes, thumbs, labels = fashion_thumbnails
    buffer = io.BytesIO()
    grays[7].save(buffer, "JPEG", quality=75)
    copy = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    manifest = as_manifest([7, 8], hashes, labels)
    manifest.loc[1, ["path", "label", "perceptual_hash"]] = ["copy.jpg", str(labels[7]), _perceptual_hash(copy)]
    assert manifest.at[1, "perceptual_hash"] == hashes[7], "the candidate search pairs the copy by its hash"
    groups = verified_content_groups(manifest, [thumbs[7], thumbnail(copy)])
    assert groups.at[1, "matches"] == "7.png" and 0 < groups.at[1, "match_distance"] <= DUPLICATE_DISTANCE


def test_a_fault_in_the_model_leads_over_an_equally_severe_label_estimate():
    """Seen on Fashion-MNIST: the quick model's label flags led the report above the user's real fault."""
    from cnn_doctor.doctor.causes import link_causes
    from cnn_doctor.findings import Finding

    def warning(finding_id, stage):
        return Finding(finding_id, "warning", stage, "summary", "recommendation", {})

    linked = link_causes([warning("suspected_label_errors", "validate"), warning("poor_initialization", "model")])
    assert [finding.id for finding in linked] == ["poor_initialization", "suspected_label_errors"]
