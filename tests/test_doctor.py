"""The doctor's fault zoo: each injected fault must lead the report; healthy runs must stay silent.

Each scenario runs the real stages (validate, preprocess, augment, train, evaluate) on the real digits,
small and fast: 60 images per class at 16x16 px.
"""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

from cnn_doctor.config import DEFAULT_PARAMS_FILE, load_params
from cnn_doctor.layout import Layout
from cnn_doctor.zoo import (
    AMPLIFYING_STACK,
    BIASED_OUTPUT,
    BOTTLENECK,
    DEAD_BIAS,
    EXPONENTIAL_ACTIVATIONS,
    HEAVY_LABEL_SMOOTHING,
    HUGE_INIT,
    LOGITS_WITH_PROBABILITY_LOSS,
    RELU_OUTPUT,
    RESCALING_THAT_DOES_NOT_RESCALE,
    SCENARIO,
    SIGMOID_STACK,
    WRONG_UNITS,
    builder,
    noisy_train_clean_test,
    noisy_training_images,
    official_split_manifest,
    weak_signal_images,
)
from flows.pipeline import PLAIN_CALLS, run_pipeline

from helpers import copy_digits, serious


def diagnose(data, params, layout) -> dict:
    """Run every stage, stopping where the pipeline would, and return the report."""
    return run_pipeline(PLAIN_CALLS, params, data, "", layout).report


def verified(report: dict, finding_id: str) -> dict:
    """The finding's `evidence.verification` (its fix, tried in a short training)."""
    (finding,) = [f for f in report["findings"] if f["id"] == finding_id]
    return finding["evidence"]["verification"]


# A verified fix must beat the run by this much validation accuracy: the clear margin the README states (10
# points). The same params rerun on one CPU differ by about one point, but another CPU's rounding changes these
# 3-epoch runs more: unscaled inputs gained 0.17-0.39 over four seeds here and 0.17 on CI's machine.
CLEAR_GAIN = 0.1


def serious_ids(report: dict) -> list[str]:
    """The ids of a report's critical and warning findings, in the report's order (the leading one first)."""
    return list(serious({finding["id"]: finding for finding in report["findings"]}))


@pytest.fixture
def small_digits(digits_folder, tmp_path):
    return copy_digits(digits_folder, tmp_path / "data", per_class=60)


@pytest.fixture
def scenario(fast_params):
    def make(*overrides: str):
        return fast_params(*SCENARIO, *overrides)

    return make


# ---------------------------------------------------------------- healthy runs: no warning, no critical


@pytest.mark.slow
@pytest.mark.parametrize("architecture", ["regularized_cnn", "resnet_small"])
def test_healthy_runs_raise_no_alarm(digits_folder, scenario, layout, architecture):
    """All the digits, trained to early stopping. simple_cnn's healthy run is the README's default run
    (tests/test_cli.py); resnet_small predicted one class here while its batch normalisation kept Keras' default
    momentum (validation accuracy 0.33 with the moving statistics, 0.95 with the batch's own)."""
    overrides = ("train.epochs=30", "train.early_stopping_patience=5", f"model.architecture={architecture}")
    report = diagnose(digits_folder, scenario(*overrides), layout)
    assert serious_ids(report) == [], report["findings"]
    assert report["metrics"]["test_accuracy"] > 0.9
    assert report["training"]["verification"]["tried"] == [] and report["verified_fix"] is None  # nothing to fix


# ---------------------------------------------------------------- model, checked before training


# Speed overrides only: Fashion-MNIST's own 28 px instead of upscaling to 32 (a quarter less compute), and early
# stopping after 4 epochs without progress (the regularized CNN's run was 19 epochs, 5 of its 7.5 minutes).
FASHION_SPEED = ["preprocess.image_size=28", "train.early_stopping_patience=4"]


@pytest.fixture(scope="module")
def fashion_before_training(fashion_mnist, tmp_path_factory) -> Layout:
    """validate (the cnn label model on 5,000 photos), preprocess and augment with the default params at 28 px,
    run once for both architectures' healthy runs: the model and train params reach none of them (as `dvc repro`
    skips them when only those change)."""
    layout = Layout(tmp_path_factory.mktemp("fashion-before-training") / "out")
    params = load_params(DEFAULT_PARAMS_FILE, FASHION_SPEED)
    outcome = run_pipeline(PLAIN_CALLS, params, fashion_mnist, "", layout, stages=("validate", "preprocess", "augment"))
    assert outcome.stopped_at is None
    return layout


@pytest.mark.slow
@pytest.mark.parametrize("architecture", ["simple_cnn", "regularized_cnn"])
def test_healthy_fashion_mnist_raises_no_alarm(fashion_mnist, fashion_before_training, layout, architecture):
    """Real photos with genuinely overlapping classes, the official train/test split, default params: it trains
    (validation carved from the training rows) and no warning is raised. The default (cnn) label model flags at
    most 1% of the clean photos, as info (24 hard photos, 0.6%, when measured), and the ambiguous shirts are
    `overlapping_classes`, info."""
    for stage in ("validate", "preprocess", "augment"):
        shutil.copytree(fashion_before_training.stage_dir(stage), layout.stage_dir(stage))
    params = load_params(DEFAULT_PARAMS_FILE, [*FASHION_SPEED, f"model.architecture={architecture}"])
    report = run_pipeline(PLAIN_CALLS, params, fashion_mnist, "", layout, stages=("train", "evaluate")).report
    assert report["status"] == "completed" and report["metrics"]["test_accuracy"] > 0.75
    assert serious_ids(report) == [], report["verdict"]
    findings = {finding["id"]: finding for finding in report["findings"]}
    flagged = findings["suspected_label_errors"]["evidence"]["files"]
    assert len(flagged) <= 0.01 * report["dataset"]["usable_images"]
    assert findings["overlapping_classes"]["severity"] == "info"


def test_output_units_that_cannot_fit_the_labels_stop_the_run(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, WRONG_UNITS)
    report = diagnose(small_digits, scenario(model), layout)
    assert report["status"] == "stopped_by_model_check"
    assert report["leading_finding"] == "loss_activation_mismatch"


NEGATIVE_RATE = """
    model = keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                              layers.Flatten(), layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=-0.01), loss="sparse_categorical_crossentropy")
    return model"""


def test_a_negative_learning_rate_in_the_users_optimizer_is_loss_maximized(small_digits, scenario, layout, tmp_path):
    """UMLAUT's Adam(learning_rate=-1e3), in the pipeline: the user's compiled network sits behind the pipeline's
    normalisation, so its optimizer is read from the user's model. The symptoms it causes follow it."""
    report = diagnose(small_digits, scenario(builder(tmp_path, NEGATIVE_RATE), "train.epochs=2"), layout)
    assert report["leading_finding"] == "loss_maximized"
    assert report["findings"][0]["evidence"]["learning_rate"] == pytest.approx(-0.01)


def test_linear_output_with_probability_loss_is_a_mismatch(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, LOGITS_WITH_PROBABILITY_LOSS)
    report = diagnose(small_digits, scenario(model, "train.epochs=3"), layout)
    assert report["leading_finding"] == "loss_activation_mismatch"
    tried = verified(report, "loss_activation_mismatch")  # a softmax output, on a copy of the user's model
    assert tried["change"] == ["softmax on the output layer (in your model builder)"]
    assert tried["gain"] >= CLEAR_GAIN


def test_relu_output_with_categorical_crossentropy_gets_a_report(small_digits, scenario, layout, tmp_path):
    """A Stack Overflow model: the loss is NaN from the first steps; the doctor reports, never crashes."""
    report = diagnose(small_digits, scenario(builder(tmp_path, RELU_OUTPUT), "train.epochs=3"), layout)
    assert report["status"] == "completed"
    assert report["leading_finding"] == "loss_activation_mismatch"
    assert layout.report_html.is_file()
    # its model also scales the pixels that preprocess already scaled (1/255 twice): named, and a softmax alone
    # may not get it learning in 3 epochs; a certain fault is not demoted for that
    assert "inputs_scaled_twice" in serious_ids(report)
    assert verified(report, "loss_activation_mismatch")["change"] == [
        "softmax on the output layer (in your model builder)"
    ]


def test_exponential_activations_get_a_report(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, EXPONENTIAL_ACTIVATIONS)
    report = diagnose(small_digits, scenario(model, "preprocess.normalize=none", "train.epochs=3"), layout)
    assert report["status"] == "completed" and report["findings_by_severity"]["critical"] >= 1
    assert report["findings"][0]["severity"] == "critical"


def test_a_rescaling_layer_that_does_not_rescale(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, RESCALING_THAT_DOES_NOT_RESCALE)
    report = diagnose(small_digits, scenario(model, "preprocess.normalize=none", "train.epochs=3"), layout)
    assert report["leading_finding"] == "missing_normalization"


def test_an_official_train_test_split_validates_on_training_rows(small_digits, scenario, layout):
    report = diagnose(official_split_manifest(small_digits), scenario("train.epochs=3"), layout)
    assert report["dataset"]["validation_carved_from_train"] > 0
    # early stopping and the plateau schedule watched a validation loss, every epoch
    assert "val_loss" in layout.history.read_text().splitlines()[0].split(",")


def test_test_labels_in_another_class_order_lead_the_report(small_digits, scenario, layout):
    manifest = official_split_manifest(small_digits, test_order_shifted=True)
    report = diagnose(manifest, scenario("train.epochs=6", "validate.label_errors=false"), layout)
    assert report["leading_finding"] == "label_mapping_mismatch"
    assert report["metrics"]["test_accuracy"] < 0.05


def test_unscaled_inputs(small_digits, scenario, layout):
    report = diagnose(small_digits, scenario("preprocess.normalize=none", "train.epochs=3"), layout)
    assert report["leading_finding"] == "missing_normalization"
    tried = verified(report, "missing_normalization")
    assert tried["change"] == ["preprocess.normalize=unit"] and tried["gain"] >= CLEAR_GAIN
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert causes.get("initial_loss_off", "missing_normalization") == "missing_normalization"
    assert causes.get("exploding_gradients", "missing_normalization") == "missing_normalization"
    assert (
        "learning_rate_too_low" not in serious_ids(report) or causes["learning_rate_too_low"] == "missing_normalization"
    )


def test_weights_initialised_far_too_large(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, HUGE_INIT)
    report = diagnose(small_digits, scenario(model, "preprocess.normalize=none", "train.epochs=3"), layout)
    assert report["leading_finding"] == "poor_initialization"
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert causes.get("initial_loss_off", "poor_initialization") == "poor_initialization"


def test_bottleneck_narrower_than_the_classes(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, BOTTLENECK)
    report = diagnose(small_digits, scenario(model, "train.epochs=4"), layout)
    assert report["leading_finding"] == "insufficient_capacity"


# ---------------------------------------------------------------- training dynamics


def test_learning_rate_far_too_high(small_digits, scenario, layout):
    report = diagnose(
        small_digits, scenario("train.optimizer=sgd", "train.learning_rate=5.0", "train.epochs=4"), layout
    )
    assert report["leading_finding"] == "learning_rate_too_high"
    assert "train.learning_rate" in report["findings"][0]["recommendation"]
    tried = verified(report, "learning_rate_too_high")
    assert tried["gain"] >= CLEAR_GAIN and len(tried["with"]["val_accuracy"]) == tried["epochs"] == 4
    assert report["verified_fix"]["overrides"] == tried["change"] and tried["change"][0] in report["verdict"]
    consequences = [f["id"] for f in report["findings"] if f["evidence"].get("caused_by") == "learning_rate_too_high"]
    assert {"loss_diverged", "dying_relu"} & set(consequences)
    assert report["verdict"].startswith("Do not trust this model")


def test_momentum_with_tiny_batches_takes_steps_too_large(small_digits, scenario, layout):
    """SGD 0.1 looks moderate, but momentum 0.9 on batches of 8 makes each step ten times that: training
    climbs back or stalls. The range test, run with the same momentum and 64 images per rate, says so.
    (At 0.05 the run sits at the range test's limit and the answer varies between runs: bench/fault_zoo.py.)"""
    report = diagnose(
        small_digits,
        scenario(
            "train.optimizer=sgd",
            "train.learning_rate=0.1",
            "train.momentum=0.9",
            "train.lr_schedule=constant",
            "train.batch_size=8",
        ),
        layout,
    )
    assert report["leading_finding"] == "learning_rate_too_high"
    assert "overfitting" not in serious_ids(report)  # training accuracy below validation accuracy is not memorising


def test_learning_rate_far_too_low(small_digits, scenario, layout):
    report = diagnose(
        small_digits,
        scenario("train.optimizer=sgd", "train.momentum=0.0", "train.learning_rate=1e-6", "train.epochs=4"),
        layout,
    )
    assert report["leading_finding"] == "learning_rate_too_low"
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert (
        causes.get("not_learning") == "learning_rate_too_low"
        or causes.get("slow_convergence") == "learning_rate_too_low"
    )


def test_learning_rate_too_low_to_converge_in_time(small_digits, scenario, layout):
    report = diagnose(
        small_digits,
        scenario("train.optimizer=sgd", "train.momentum=0.0", "train.learning_rate=0.001", "train.epochs=10"),
        layout,
    )
    assert report["leading_finding"] == "learning_rate_too_low"
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert causes["slow_convergence"] == "learning_rate_too_low"
    advised = re.search(r"train\.learning_rate=(\d+(?:\.\d+)?(?:e[+-]?\d+)?)", report["findings"][0]["recommendation"])
    assert float(advised.group(1)) > 0.001


def test_dead_relus(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, DEAD_BIAS)
    report = diagnose(small_digits, scenario(model, "train.epochs=3"), layout)
    assert report["leading_finding"] == "dying_relu"


def test_deep_sigmoid_stack(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, SIGMOID_STACK)
    report = diagnose(
        small_digits,
        scenario(model, "train.optimizer=sgd", "train.momentum=0.0", "train.learning_rate=0.01", "train.epochs=3"),
        layout,
    )
    assert report["leading_finding"] in ("vanishing_gradients", "saturated_activations")


def test_gradients_explode_in_a_deep_plain_stack(small_digits, scenario, layout, tmp_path):
    """The network amplifies before any update: the rate is not to blame, however much the loss explodes."""
    model = builder(tmp_path, AMPLIFYING_STACK)
    report = diagnose(
        small_digits,
        scenario(model, "train.optimizer=sgd", "train.momentum=0.0", "train.learning_rate=0.0001", "train.epochs=4"),
        layout,
    )
    assert report["leading_finding"] == "exploding_gradients"
    assert report["findings"][0]["evidence"]["at_initialization"] is True
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert causes["loss_diverged"] == "exploding_gradients"
    assert "learning_rate_too_high" not in causes


def test_output_layer_biased_towards_one_class(small_digits, scenario, layout, tmp_path):
    model = builder(tmp_path, BIASED_OUTPUT)
    report = diagnose(
        small_digits,
        scenario(model, "train.optimizer=sgd", "train.momentum=0.0", "train.learning_rate=0.001", "train.epochs=4"),
        layout,
    )
    assert report["leading_finding"] == "initial_loss_off"
    causes = {f["id"]: f["evidence"].get("caused_by") for f in report["findings"]}
    assert causes["prediction_collapse"] == "initial_loss_off"
    assert report["findings"][0]["evidence"]["initial_loss"] > 10


def test_heavy_label_smoothing_makes_the_model_underconfident(small_digits, scenario, layout, tmp_path):
    """Accurate but its scores are flat: the loss stays near ln(C) because of its floor, not slow learning. The
    weak smoothed gradient learns slowly: at 12 epochs the accuracy still climbed a point an epoch in one run of
    two (undertrained, rightly); 20 let it finish."""
    model = builder(tmp_path, HEAVY_LABEL_SMOOTHING)
    report = diagnose(small_digits, scenario(model, "train.epochs=20"), layout)
    assert serious_ids(report) == ["poor_calibration"]
    assert report["metrics"]["test_accuracy"] > 0.8
    assert "underconfident" in report["findings"][0]["summary"]


def test_random_labels_are_not_learned(small_digits, scenario, layout):
    rng = np.random.default_rng(0)
    files = sorted(small_digits.rglob("*.png"))
    rows = ["path,label"] + [f"{p.relative_to(small_digits)},{rng.integers(0, 10)}" for p in files]
    manifest = small_digits / "random.csv"
    manifest.write_text("\n".join(rows) + "\n")
    report = diagnose(manifest, scenario("train.epochs=6"), layout)
    ids = [f["id"] for f in report["findings"]]
    assert report["leading_finding"] == "suspected_label_errors"
    assert "not_learning" in ids or "underfitting" in ids
    # one judge: the fix tried is chosen with validate's findings known, so the labels (no training change fixes
    # them) explain the rate's symptoms and no rate trial answers a data fault; a tried fix, if any, helped nothing
    tried = [f for f in report["findings"] if "verification" in f["evidence"]]
    assert not any("learning_rate" in " ".join(f["evidence"]["verification"]["change"]) for f in tried)
    assert all(f["evidence"]["verification"]["gain"] < f["evidence"]["verification"]["needed_gain"] for f in tried)
    assert report["verified_fix"] is None


def test_flipped_labels_lead_and_the_trained_network_confirms_them(small_digits, tmp_path, scenario, layout):
    from test_validate import noisy_manifest

    manifest, _ = noisy_manifest(small_digits, tmp_path / "noisy.csv", noise=0.3)
    report = diagnose(manifest, scenario(), layout)
    assert report["leading_finding"] == "suspected_label_errors"
    check = report["findings"][0]["evidence"]["label_check"]
    assert check["confirmed"] is True and check["accuracy_on_flagged"] < check["accuracy_on_others"] / 2


def test_training_stopped_too_early(small_digits, scenario, layout):
    """Two epochs at a usual Adam rate, the loss still falling fast: the epochs, not the rate, are what to change."""
    report = diagnose(small_digits, scenario("train.epochs=2", "train.learning_rate=0.0003"), layout)
    assert serious_ids(report)[0] == "undertrained"
    assert "learning_rate_too_low" not in serious_ids(report)
    (undertrained,) = [f for f in report["findings"] if f["id"] == "undertrained"]
    assert "train.epochs" in undertrained["recommendation"]
    tried = verified(report, "undertrained")  # two more epochs of the trained model
    assert tried["change"] == ["train.epochs=4"] and tried["after_epoch"] == 2 and tried["gain"] >= 0.02


def test_overfitting_a_small_set(tmp_path, scenario, layout):
    data = weak_signal_images(tmp_path / "weak")
    report = diagnose(
        data,
        scenario(
            "augment.enabled=false",
            "train.epochs=60",
            "train.early_stopping_patience=0",
            "train.lr_schedule=constant",
            "validate.label_errors=true",
            "preprocess.val_fraction=0.3",
            "preprocess.test_fraction=0.2",
            "diagnose.lr_range_test=false",
        ),
        layout,
    )
    assert report["leading_finding"] == "overfitting"
    # the quick label model takes weak signal for wrong labels; the trained network, on held-out images, does not
    (flags,) = [f for f in report["findings"] if f["id"] == "suspected_label_errors"]
    assert flags["severity"] == "info" and flags["evidence"]["label_check"]["confirmed"] is False
    curve = report["findings"][0]["evidence"]["learning_curve"]
    assert curve["fractions"] == [0.25, 0.5, 1.0] and len(curve["val_accuracy"]) == 3
    assert "More data" in report["findings"][0]["recommendation"]


def test_a_rare_class_collapses(digits_folder, tmp_path, scenario, layout):
    data = copy_digits(digits_folder, tmp_path / "skewed", per_class=120)
    for extra in sorted((data / "3").iterdir())[11:]:
        extra.unlink()
    report = diagnose(
        data,
        scenario("train.class_weight=none", "augment.balance=false", "train.epochs=3", "train.learning_rate=0.0003"),
        layout,
    )
    findings = {f["id"]: f for f in report["findings"]}
    assert report["leading_finding"] in ("class_imbalance", "too_few_images")
    assert {"too_few_images", "class_imbalance"} <= set(serious_ids(report))
    assert findings["class_imbalance"]["evidence"]["counts"]["3"] == 11
    # a collapsed rare class, when reported, is explained by the imbalance, never left as a cause of its own
    collapse_cause = findings.get("minority_class_collapse", {"evidence": {"caused_by": "class_imbalance"}})
    assert collapse_cause["evidence"].get("caused_by") in ("class_imbalance", "too_few_images")


def test_augmentation_too_strong(small_digits, scenario, layout):
    report = diagnose(
        small_digits,
        scenario(
            "augment.rotation=0.5",
            "augment.zoom=0.3",
            "augment.translation=0.3",
            "train.epochs=15",
            "diagnose.lr_range_test=false",
        ),
        layout,
    )
    assert report["leading_finding"] == "augmentation_too_strong"


def test_test_set_easier_than_training_set(digits_folder, tmp_path, scenario, layout):
    """Training labels 30% wrong, test labels right: the test scores above training."""
    manifest = noisy_train_clean_test(copy_digits(digits_folder, tmp_path / "data", per_class=80))
    report = diagnose(
        manifest, scenario("train.epochs=10", "validate.label_errors=false", "diagnose.lr_range_test=false"), layout
    )
    assert serious_ids(report)[0] == "suspiciously_high_accuracy"
    assert all(
        f["evidence"].get("caused_by") == "suspiciously_high_accuracy"
        for f in report["findings"]
        if f["id"] == "underfitting"
    )


def test_noisy_training_images_with_clean_test_images_are_a_distribution_shift(
    digits_folder, tmp_path, scenario, layout
):
    """The mirror of the test above: right labels, but noise on every training image and none on the test
    images. The test scores above training because the images differ, not the labels: the report says so."""
    manifest = noisy_training_images(copy_digits(digits_folder, tmp_path / "data", per_class=80))
    report = diagnose(
        manifest, scenario("train.epochs=10", "validate.label_errors=false", "diagnose.lr_range_test=false"), layout
    )
    assert serious_ids(report)[0] == "test_distribution_shift"
    assert "texture" in report["findings"][0]["summary"]


@pytest.mark.parametrize(
    "on_flagged, on_others, classes, confirmed",
    [
        (0.1, 0.9, 10, True),  # the network contradicts the flagged labels: they are wrong
        (0.7, 0.6, 4, False),  # it agrees with them as often as with the others: hard images, not wrong labels
        (0.1, 0.15, 10, None),  # it learned nothing (random labels): no opinion
    ],
)
def test_network_opinion_on_label_flags(on_flagged, on_others, classes, confirmed):
    from cnn_doctor.doctor.dataset_checks import check_label_flags

    flagged = np.repeat([True, False], [20, 80])
    agrees = np.concatenate([np.arange(20) < on_flagged * 20, np.arange(80) < on_others * 80])
    assert check_label_flags(agrees, flagged, classes)["confirmed"] is confirmed


def test_too_few_flagged_held_out_images_give_no_opinion():
    from cnn_doctor.doctor.dataset_checks import check_label_flags

    flagged = np.repeat([True, False], [4, 96])
    assert check_label_flags(np.zeros(100, bool), flagged, 10)["confirmed"] is None
