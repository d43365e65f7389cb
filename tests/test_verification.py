"""Verified fixes, their logic on synthetic findings: which fix each cause gets, what is tried, how the measured
effect orders and words the report. The counterfactual trainings themselves run in tests/test_doctor.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cnn_doctor.config import ModelParams, TrainParams
from cnn_doctor.doctor.causes import link_causes
from cnn_doctor.doctor.verification import (
    MIN_VERIFIED_GAIN,
    RunFacts,
    curve,
    effect_text,
    fix_for,
    fixes_to_verify,
    held,
    refuted,
    verification,
    with_verifications,
)
from cnn_doctor.findings import Finding
from cnn_doctor.quiet import import_tensorflow_quietly
from cnn_doctor.report import compare_reports, verdict, verified_fix
from cnn_doctor.training.counterfactual import NETWORK_CHANGES
from cnn_doctor.training.models import activation_name

FACTS = RunFacts(
    train=TrainParams(learning_rate=0.001),
    model=ModelParams(),
    normalize="unit",
    augmented_online=True,
    user_compiled=False,
    output_activation="softmax",
    epochs_run=6,
)


def finding(finding_id: str, severity: str = "warning", **evidence) -> Finding:
    return Finding(finding_id, severity, "train", f"{finding_id} summary.", f"{finding_id} fix.", evidence)


def measured(gain: float, epochs: int = 3, start: float = 0.1, loss_with: float = 2.0) -> dict:
    without = {"val_accuracy": [start] * epochs, "val_loss": [2.3] * epochs}
    with_fix = {
        "val_accuracy": [start + gain * (i + 1) / epochs for i in range(epochs)],
        "val_loss": [loss_with] * epochs,
    }
    return {
        "change": ["train.learning_rate=0.001"],
        "epochs": epochs,
        "with": with_fix,
        "without": without,
        "gain": gain,
    }


# ---------------------------------------------------------------- which fix a cause gets


def test_a_rate_finding_gets_the_advised_rate_as_a_set_line():
    fix = fix_for(finding("learning_rate_too_high", "critical", advised_learning_rate=0.004), FACTS)
    assert fix.overrides == ["train.learning_rate=0.004"] and fix.kind == "fresh"
    fix = fix_for(finding("learning_rate_too_low"), FACTS)  # no range test: ten times the rate
    assert fix.overrides == ["train.learning_rate=0.01"]


def test_a_users_compiled_optimizer_gets_the_rate_in_words_not_a_set_line():
    fix = fix_for(finding("learning_rate_too_high", advised_learning_rate=0.004), replace(FACTS, user_compiled=True))
    assert fix.overrides == [] and "learning_rate=0.004 in your model's optimizer" in fix.change[0]


@pytest.mark.parametrize(
    ("finding_id", "facts", "overrides"),
    [
        ("missing_normalization", replace(FACTS, normalize="none"), ["preprocess.normalize=unit"]),
        ("undertrained", FACTS, ["train.epochs=60"]),
        ("augmentation_too_strong", FACTS, ["augment.enabled=false"]),
        (
            "poor_initialization",
            replace(FACTS, model=ModelParams(kernel_initializer="ones")),
            ["model.kernel_initializer=he_normal"],
        ),
    ],
)
def test_params_fixes(finding_id, facts, overrides):
    assert fix_for(finding(finding_id), facts).overrides == overrides


def test_a_run_with_too_few_updates_is_tried_with_smaller_batches():
    """12 updates in all (DeepCrime's disable_batching: the training set as one batch): 12 more epochs would buy
    12 more updates, so the trial is the default batch, fresh."""
    fix = fix_for(finding("undertrained", updates=12), replace(FACTS, train=TrainParams(batch_size=2000)))
    assert (fix.kind, fix.overrides) == ("fresh", ["train.batch_size=64"])


def test_model_changes_for_a_users_model_are_made_in_memory_and_said_in_words():
    user = replace(FACTS, model=ModelParams(builder="model.py:build"), user_compiled=True, output_activation="relu")
    assert fix_for(finding("loss_activation_mismatch", "critical"), user).kind == "softmax_output"
    assert fix_for(finding("dying_relu"), user).kind == "reinitialised"
    assert fix_for(finding("poor_initialization"), user).overrides == []
    saturating = finding("vanishing_gradients", saturating_layers=["activation"])
    assert fix_for(saturating, user).kind == "saturating_to_relu"
    assert fix_for(finding("vanishing_gradients"), user) is None  # a deep plain stack: no change of ours fits


def test_sigmoid_hidden_layers_become_relu_and_the_output_keeps_its_own():
    import_tensorflow_quietly()
    import keras

    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Activation("sigmoid", name="squash"),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="tanh", name="hidden"),
            keras.layers.Dense(3, activation="sigmoid", name="output"),
        ]
    )
    NETWORK_CHANGES["saturating_to_relu"](model)
    names = {layer.name: activation_name(layer) for layer in model.layers}
    assert (names["squash"], names["hidden"], names["output"]) == ("relu", "relu", "sigmoid")
    assert model(np.ones((1, 8, 8, 1), "float32")).shape == (1, 3)


@pytest.mark.parametrize(
    ("finding_id", "facts"),
    [
        ("suspected_label_errors", FACTS),  # a data problem: no training change fixes it
        ("overfitting", FACTS),  # shows late: a few epochs cannot tell
        ("missing_normalization", FACTS),  # already normalised: nothing the doctor could change
        ("augmentation_too_strong", replace(FACTS, augmented_online=False)),
        ("loss_activation_mismatch", replace(FACTS, user_compiled=True, output_activation="softmax")),
    ],
)
def test_no_fix_to_try(finding_id, facts):
    assert fix_for(finding(finding_id), facts) is None


# ---------------------------------------------------------------- what is tried


def test_the_leading_cause_is_tried_not_its_symptoms():
    ordered = link_causes([finding("loss_diverged", "critical"), finding("learning_rate_too_high", "critical")])
    fixes = fixes_to_verify(ordered, FACTS, limit=2)
    assert [fix.finding_id for fix in fixes] == ["learning_rate_too_high"]


def test_two_equally_severe_causes_are_both_tried_a_milder_one_is_not():
    close = link_causes([finding("undertrained"), finding("missing_normalization")])
    assert len(fixes_to_verify(close, replace(FACTS, normalize="none"), limit=2)) == 2
    apart = link_causes([finding("learning_rate_too_high", "critical"), finding("undertrained")])
    assert [fix.finding_id for fix in fixes_to_verify(apart, FACTS, limit=2)] == ["learning_rate_too_high"]


def test_a_healthy_report_tries_nothing():
    assert fixes_to_verify([finding("confusable_classes", "info"), finding("undertrained", "info")], FACTS, 2) == []


def test_a_run_with_less_left_to_gain_than_a_fix_must_show_tries_nothing():
    warning = link_causes([finding("learning_rate_too_low")])
    assert fixes_to_verify(warning, replace(FACTS, final_val_accuracy=0.985), 2) == []
    assert len(fixes_to_verify(warning, replace(FACTS, final_val_accuracy=0.95), 2)) == 1


# ---------------------------------------------------------------- what was measured


def test_gain_at_the_last_epoch_a_training_that_broke_down_stays_where_it_stopped():
    fix = fix_for(finding("learning_rate_too_high"), FACTS)
    history = {"val_accuracy": [0.1, 0.1], "val_loss": [float("nan"), float("nan")]}  # NaN loss: stopped after 2
    without = curve(history, 4)
    assert without == {"val_accuracy": [0.1, 0.1, None, None], "val_loss": [None] * 4}
    result = verification(
        fix, 4, curve({"val_accuracy": [0.5, 0.7, 0.8, 0.9], "val_loss": [1.0] * 4}, 4), without, 2, 90
    )
    assert result["gain"] == pytest.approx(0.8) and result["needed_gain"] < result["gain"]
    assert set(result) == {"change", "epochs", "with", "without", "gain", "needed_gain"}


def test_more_epochs_compare_with_the_model_as_it_is():
    fix = fix_for(finding("undertrained"), FACTS)
    without = held({"val_accuracy": [0.5, 0.8], "val_loss": [1.0, 0.6]}, 2)
    result = verification(fix, 2, {"val_accuracy": [0.85, 0.9], "val_loss": [0.5, 0.4]}, without, 2, 2_000)
    assert result["gain"] == pytest.approx(0.1) and result["after_epoch"] == 2
    assert "in 2 more epochs" in effect_text(result)


def test_a_fix_that_helped_leads_and_the_verdict_quotes_it():
    findings = with_verifications(
        [finding("learning_rate_too_low"), finding("undertrained")], {"learning_rate_too_low": measured(0.76)}
    )
    ordered = link_causes(findings)
    assert ordered[0].id == "learning_rate_too_low" and ordered[0].severity == "warning"
    text = verdict(ordered, {"test_accuracy": 0.5}, [])
    assert "Verified: with train.learning_rate=0.001 validation accuracy went 0.10 -> 0.86 in 3 epochs." in text
    assert verified_fix(ordered)["overrides"] == ["train.learning_rate=0.001"]


def test_a_fix_that_changed_nothing_demotes_its_cause_and_says_what_was_tried():
    """The rules named the rate; raising it changed nothing: the other cause leads, the symptom is not blamed
    on the rate, and the rate finding is one level milder, saying what was tried."""
    findings = [finding("learning_rate_too_low"), finding("missing_normalization"), finding("slow_convergence")]
    tried = with_verifications(findings, {"learning_rate_too_low": measured(MIN_VERIFIED_GAIN / 2)})
    ordered = {f.id: f for f in link_causes(tried)}
    assert link_causes(tried)[0].id == "missing_normalization"
    assert link_causes(findings)[2].evidence["caused_by"] == "learning_rate_too_low"  # untried: blamed on the rate
    assert "caused_by" not in ordered["slow_convergence"].evidence
    assert ordered["learning_rate_too_low"].severity == "info"
    assert "Tried train.learning_rate=0.001 for 3 epochs" in ordered["learning_rate_too_low"].summary
    assert verified_fix(list(ordered.values())) is None


@pytest.mark.parametrize("validation_images, verified", [(90, False), (5_000, True)])
def test_a_gain_counts_only_beyond_what_chance_moves_on_the_validation_images(validation_images, verified):
    """Random labels, the rate tried: 0.13 -> 0.17 is three of 90 images, chance; on 5,000 images it is not."""
    fix = fix_for(finding("learning_rate_too_low"), FACTS)
    without = {"val_accuracy": [0.1, 0.13], "val_loss": [2.3, 2.28]}
    with_fix = {"val_accuracy": [0.11, 0.1633], "val_loss": [2.3, 2.27]}
    result = verification(fix, 2, with_fix, without, 2, validation_images)
    (tried,) = with_verifications([finding("learning_rate_too_low")], {"learning_rate_too_low": result})
    assert (tried.severity == "warning") is verified
    assert verified or "no better than chance (which moves it 0.09)" in tried.summary


def test_a_fix_that_halves_the_loss_before_accuracy_moves_is_verified_and_says_so():
    """An output bias that starts saturated, trained a few epochs at a slow rate: accuracy still near chance,
    the loss 10.3 -> 2.3. The fix did something real: its cause keeps its severity and the report quotes the loss."""
    result = {**measured(-0.04, loss_with=2.33), "without": {"val_accuracy": [0.1] * 3, "val_loss": [10.3] * 3}}
    findings = with_verifications(
        [finding("initial_loss_off"), finding("learning_rate_too_low")], {"initial_loss_off": result}
    )
    ordered = link_causes(findings)
    assert ordered[0].id == "initial_loss_off" and ordered[0].severity == "warning"
    assert "validation loss went 10.3 -> 2.33 in 3 epochs (accuracy 0.10 -> 0.06)" in effect_text(result)


@pytest.mark.parametrize("loss_with", [1.2, float("nan")], ids=["loss-down-by-less-than-half", "loss-nan"])
def test_a_fix_that_neither_gains_accuracy_nor_halves_the_loss_is_refuted(loss_with):
    result = measured(0.0, loss_with=loss_with)
    result["with"]["val_loss"] = [None if v != v else v for v in result["with"]["val_loss"]]  # NaN as curve() keeps it
    (tried,) = with_verifications([finding("initial_loss_off")], {"initial_loss_off": result})
    assert tried.severity == "info" and "no better" in tried.summary


def test_of_two_verified_fixes_the_larger_gain_leads():
    findings = with_verifications(
        [finding("undertrained"), finding("missing_normalization")],
        {"undertrained": measured(0.05), "missing_normalization": measured(0.5)},
    )
    assert link_causes(findings)[0].id == "missing_normalization"


def test_a_treatment_is_compared_by_accuracy_and_findings():
    before = {"metrics": {"test_accuracy": 0.1}, "findings": [{"id": "learning_rate_too_high", "severity": "critical"}]}
    after = {
        "metrics": {"test_accuracy": 0.9},
        "findings": [{"id": "undertrained", "severity": "warning"}],
        "verdict": "v",
    }
    lines = compare_reports(before, after)
    assert lines[:3] == [
        "Accuracy:  0.1000 -> 0.9000 on the test split",
        "Gone:      learning_rate_too_high",
        "New:       undertrained",
    ]


def test_a_certain_fault_whose_fix_is_not_enough_alone_stays_and_says_so():
    """A ReLU output under a probability loss is wrong whatever training shows: not demoted, still the cause."""
    findings = [finding("loss_activation_mismatch", "critical"), finding("not_learning", "critical")]
    tried = link_causes(with_verifications(findings, {"loss_activation_mismatch": measured(0.0)}))
    assert [f.id for f in tried] == ["loss_activation_mismatch", "not_learning"]
    assert tried[0].severity == "critical" and tried[1].evidence["caused_by"] == "loss_activation_mismatch"
    assert "not enough alone" in tried[0].summary


def test_the_prefect_artifact_and_report_html_show_the_tried_fix(tmp_path):
    from cnn_doctor.layout import Layout
    from cnn_doctor.report import diagnosis_markdown, plot_verifications

    tried = link_causes(
        with_verifications([finding("learning_rate_too_high", "critical")], {"learning_rate_too_high": measured(0.7)})
    )
    report = {
        "status": "completed",
        "verdict": verdict(tried, {"test_accuracy": 0.8}, []),
        "leading_finding": tried[0].id,
        "verified_fix": verified_fix(tried),
        "findings_by_severity": {"critical": 1, "warning": 0, "info": 0},
        "metrics": {"test_accuracy": 0.8},
        "findings": [f.to_dict() for f in tried],
    }
    markdown = diagnosis_markdown(report, Layout(tmp_path))
    assert "**Verified fix:** `train.learning_rate=0.001` (validation accuracy +0.70)" in markdown
    assert "Verified: with train.learning_rate=0.001 validation accuracy went 0.10 -> 0.80 in 3 epochs." in markdown
    ((title, image),) = plot_verifications(report)
    assert "learning_rate_too_high" in title and image.startswith("data:image/png;base64,")


def test_a_measured_gain_does_not_jump_an_untried_cause_of_the_same_cost():
    """Rare class and too few epochs: both real; more epochs helped (+0.1), class weights were not tried (judged
    by the rare class, not accuracy). The gain orders tried causes among themselves, not over untried ones."""
    findings = with_verifications([finding("too_few_images"), finding("undertrained")], {"undertrained": measured(0.1)})
    assert [f.id for f in link_causes(findings)] == ["too_few_images", "undertrained"]


def test_a_fix_that_halves_the_loss_by_collapsing_the_network_is_refuted():
    """TheDeepChecker's L2-0.1 program, its rate raised to 1: the weights collapse to zero, the loss swollen by
    weight decay falls 4.6 -> 2.3 and accuracy 0.29 -> 0.10 (one class). That is no fix."""
    result = {**measured(-0.19, loss_with=2.3), "without": {"val_accuracy": [0.29] * 3, "val_loss": [4.6] * 3}}
    (tried,) = with_verifications([finding("learning_rate_too_low")], {"learning_rate_too_low": result})
    assert refuted(tried)
