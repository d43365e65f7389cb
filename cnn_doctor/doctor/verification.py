"""Verified fixes: which change each cause calls for, and what a short training with it applied measured.

After training, the leading cause with a concrete fix (and a second equally severe one, when there is) is
tried in a counterfactual training: same data, same seed, the same first epochs as the run
(`diagnose.verify_budget` at most). `evidence.verification` holds the change, both validation curves and the
gain; a cause whose fix neither gains more than chance explains nor halves the validation loss is refuted: one level
less severe, it explains no symptom and comes after the equally severe causes (the report follows the
measurement); of two close causes, the larger gain leads.
The training itself is in `cnn_doctor.training.counterfactual`; this module decides and words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from cnn_doctor.config import ModelParams, TrainParams
from cnn_doctor.doctor.probes import explodes_at_initialization
from cnn_doctor.findings import CAUSED_BY, SEVERITIES, SEVERITY_RANK, VERIFICATION, Finding
from cnn_doctor.training.counterfactual import Fix

# validation accuracy the fix must add by the last common epoch to count as verified; below it, the cause is
# refuted. At least two points (repeated runs of the same params on 2 cores differ by about one: not
# bit-deterministic), and more than chance moves an accuracy on the validation images: NOISE_Z standard errors of
# the difference of two accuracies (one-sided 95%). On 90 images near chance that is 9 points: the tried rate on
# random labels "gained" 3 (three images) in one rerun of four.
MIN_VERIFIED_GAIN = 0.02
NOISE_Z = 1.645
# ...or the share of the validation loss it must leave: a fix that halves the loss did something real even when
# a few epochs at a slow rate have not moved accuracy yet (an output bias that starts saturated: the loss fell
# 10.3 -> 2.3 while accuracy stayed near chance). Reruns differ by a few percent of the loss, not half.
MAX_VERIFIED_LOSS_SHARE = 0.5
RATE_FINDINGS = ("learning_rate_too_high", "learning_rate_too_low")
# causes whose fix is a smaller step: the run's rate divided by ten unless the range test advised one
STEP_TOO_LARGE = ("loss_diverged", "loss_oscillating")
# Faults read off the model for certain (a ReLU output under a probability loss, a network that amplifies
# its gradients a thousandfold before any update): a fix that does not help alone means something else holds
# training back too, not that the fault is absent, so they are not demoted.
CERTAIN = frozenset(
    {
        "loss_activation_mismatch",
        # read off the inputs, the loss or the layers: present whatever a short trial of the fix measures
        "missing_normalization",
        "inputs_scaled_twice",
        "loss_summed_over_batch",
        "frozen_layers",
        "wrong_hidden_activation",
        "missing_hidden_activation",
        "wrong_reduction_axis",
    }
)
DEFAULT_BATCH_SIZE = TrainParams.model_fields["batch_size"].default  # tried on a run with too few updates
# causes a fresh initialisation removes (the user's own initialisers, or an output bias that starts saturated)
INITIALISATION = ("poor_initialization", "initial_loss_off", "dying_relu")


# causes whose fix is a change to the user's network, made in memory on a fresh copy: (kind, words)
MODEL_CHANGES = {
    "frozen_layers": ("unfrozen", "every layer trainable (remove trainable=False in your model builder)"),
    "wrong_hidden_activation": ("hidden_relu", "ReLU instead of softmax in hidden layers (in your model builder)"),
    "missing_hidden_activation": ("hidden_relu", "ReLU on the hidden layers (in your model builder)"),
    "over_regularization": ("unregularised", "no weight decay and dropout at most 0.3 (in your model builder)"),
}


@dataclass(frozen=True)
class RunFacts:
    """What the choice of a fix depends on, besides the finding."""

    train: TrainParams
    model: ModelParams
    normalize: str
    augmented_online: bool
    user_compiled: bool
    output_activation: str | None
    epochs_run: int
    final_val_accuracy: float | None = None
    from_logits: bool = False
    own_script: bool = False  # the user's own fit (cnn_doctor.diagnose): changes are named in their code's terms

    @property
    def user_model(self) -> bool:
        """The network is the user's own code (a builder file or their script): changes to it are theirs."""
        return bool(self.model.builder) or self.own_script


def fix_for(finding: Finding, facts: RunFacts) -> Fix | None:
    """The change that `finding` calls for, when it is one the doctor can make itself; else None."""
    rate = facts.train.learning_rate
    if finding.id in RATE_FINDINGS or finding.id in STEP_TOO_LARGE:
        advised = finding.evidence.get("advised_learning_rate")
        too_low = finding.id == "learning_rate_too_low"
        return _rate_fix(finding.id, float(advised) if advised else (rate * 10 if too_low else rate / 10), facts)
    if finding.id == "loss_summed_over_batch":  # the same steps as a mean: the rate over the batch size
        return _rate_fix(finding.id, rate / facts.train.batch_size, facts)
    if finding.id == "vanishing_gradients" and finding.evidence.get("saturating_layers") and facts.user_model:
        words = "ReLU instead of sigmoid/tanh on the hidden layers (in your model builder)"
        return Fix(finding.id, "saturating_to_relu", model_change=words)
    if finding.id in MODEL_CHANGES and facts.user_model:
        kind, words = MODEL_CHANGES[finding.id]
        return Fix(finding.id, kind, model_change=words)
    if finding.id == "missing_normalization" and facts.normalize == "none":
        words = "Rescaling(1/255) as your model's first layer" if facts.own_script else ""
        return Fix(finding.id, "rebuilt", {"preprocess.normalize": "unit"}, words)
    if finding.id == "inputs_scaled_twice" and facts.normalize != "none":
        return Fix(finding.id, "rebuilt", {"preprocess.normalize": "none"})
    if finding.id == "undertrained" and finding.evidence.get("updates") is not None:
        # too few updates: more epochs of a few steps each buy a few steps; smaller batches buy many
        batch_size = min(DEFAULT_BATCH_SIZE, facts.train.batch_size // 2)
        words = f"batch_size={batch_size} in your fit" if facts.own_script else ""
        return Fix(finding.id, "fresh", {"train.batch_size": max(1, batch_size)}, words)
    if finding.id == "undertrained":
        epochs = max(facts.train.epochs, facts.epochs_run) * 2
        return Fix(
            finding.id,
            "continued",
            {"train.epochs": epochs},
            f"epochs={epochs} in your fit" if facts.own_script else "",
        )
    if finding.id == "augmentation_too_strong" and facts.augmented_online:
        return Fix(finding.id, "unaugmented", {"augment.enabled": False})
    if finding.id == "loss_activation_mismatch":
        # ReLU, linear or sigmoid outputs fed to a probability loss; a softmax output under from_logits=True is
        # the other mismatch, whose fix (drop the softmax or the flag) the doctor does not guess
        if facts.user_compiled and facts.from_logits and facts.output_activation not in ("linear", "softmax"):
            return Fix(finding.id, "linear_output", model_change="no activation on the logits layer (in your builder)")
        if facts.user_compiled and not facts.from_logits and facts.output_activation != "softmax":
            return Fix(finding.id, "softmax_output", model_change="softmax on the output layer (in your model builder)")
        return None
    if finding.id in INITIALISATION or explodes_at_initialization(finding):
        if facts.user_model:
            return Fix(
                finding.id,
                "reinitialised",
                model_change="standard initialisers in your model builder (He for ReLU, else Glorot; zero biases)",
            )
        if facts.model.kernel_initializer != "he_normal":
            return Fix(finding.id, "rebuilt", {"model.kernel_initializer": "he_normal"})
    return None


def certain(finding: Finding) -> bool:
    return finding.id in CERTAIN or explodes_at_initialization(finding)


def _rate_fix(finding_id: str, rate: float, facts: RunFacts) -> Fix:
    rate = float(f"{rate:.2g}")
    # a user's compiled optimizer is kept (train.learning_rate does not reach it): the rate is theirs to change
    words = f"learning_rate={rate:g} in your model's optimizer" if facts.user_compiled else ""
    return Fix(finding_id, "fresh", {"train.learning_rate": rate}, words)


def fixes_to_verify(ordered: list[Finding], facts: RunFacts, limit: int) -> list[Fix]:
    """The leading cause's fix, and the next equally severe causes' (up to `limit` in all): `ordered` is the
    findings as the report orders them (causes linked); symptoms are not tried, their cause is."""
    fixes: list[Fix] = []
    # a run that ended with less validation accuracy left to gain than a fix must show has no failure for a fix
    # to explain: a warning there is a rule's false alarm or a detail, not worth a training
    if facts.final_val_accuracy is not None and 1 - facts.final_val_accuracy < MIN_VERIFIED_GAIN:
        return fixes
    for finding in ordered:
        if finding.severity == "info" or CAUSED_BY in finding.evidence:
            continue
        if fixes and SEVERITY_RANK[finding.severity] > SEVERITY_RANK[_severity(ordered, fixes[0])]:
            break
        fix = fix_for(finding, facts)
        if fix and fix.change not in [tried.change for tried in fixes]:
            fixes.append(fix)
        if len(fixes) == limit:
            break
    return fixes


def _severity(findings: list[Finding], fix: Fix) -> str:
    return next(f.severity for f in findings if f.id == fix.finding_id)


def curve(history: dict[str, list[float]], epochs: int) -> dict[str, list[float | None]]:
    """Validation accuracy and loss of the first `epochs` epochs (None where not finite or not reached)."""
    return {
        key: [_finite(value) for value in history.get(key, [])[:epochs]] + [None] * (epochs - len(history.get(key, [])))
        for key in ("val_accuracy", "val_loss")
    }


def _finite(value) -> float | None:
    return round(float(value), 4) if value is not None and math.isfinite(float(value)) else None


def held(history: dict[str, list[float]], epochs: int) -> dict[str, list[float | None]]:
    """The trained model as it is, over `epochs` more epochs: its last validation values, held."""
    return {
        key: [_finite(history[key][-1]) if history.get(key) else None] * epochs for key in ("val_accuracy", "val_loss")
    }


def verification(
    fix: Fix, epochs: int, with_fix: dict, without_fix: dict, epochs_run: int, validation_images: int
) -> dict:
    """`evidence.verification`: the change, both curves over the same epochs, the gain at the last epoch, and
    the gain it needed to count (`needed_gain`, from the `validation_images` both accuracies were measured on).
    A training that stopped early (NaN loss) stays where it stopped. A continued training's epochs come after
    the run's `epochs_run` (`after_epoch`)."""
    with_accuracy, without_accuracy = (
        _last_reached(with_fix["val_accuracy"]),
        _last_reached(without_fix["val_accuracy"]),
    )
    result = {
        "change": fix.change,
        "epochs": epochs,
        "with": with_fix,
        "without": without_fix,
        "gain": round(with_accuracy - without_accuracy, 4),
        "needed_gain": needed_gain((with_accuracy + without_accuracy) / 2, validation_images),
    }
    return {**result, "after_epoch": epochs_run} if fix.kind == "continued" else result


def needed_gain(accuracy: float, validation_images: int) -> float:
    """The least gain that chance does not explain: NOISE_Z standard errors of the difference of two
    accuracies near `accuracy` on `validation_images` each, and never under MIN_VERIFIED_GAIN."""
    if validation_images <= 0:
        return MIN_VERIFIED_GAIN
    spread = math.sqrt(2 * accuracy * (1 - accuracy) / validation_images)
    return round(max(MIN_VERIFIED_GAIN, NOISE_Z * spread), 4)


def _last_reached(values: list[float | None]) -> float:
    return _last_finite(values) or 0.0


def with_verifications(findings: list[Finding], verified: dict[str, dict]) -> list[Finding]:
    """Attach each tried fix's measurement to its finding; a refuted cause says what was tried."""
    attached = []
    for finding in findings:
        result = verified.get(finding.id)
        if result is None:
            attached.append(finding)
            continue
        evidence = {**finding.evidence, VERIFICATION: result}
        if helped(result):
            attached.append(replace(finding, evidence=evidence))
        elif certain(finding):
            result = {**result, "certain": True}
            summary = f"{finding.summary} {effect_text(result)}"
            attached.append(replace(finding, summary=summary, evidence={**evidence, VERIFICATION: result}))
        else:  # one level less severe, and it says what was tried
            severity = SEVERITIES[min(SEVERITY_RANK[finding.severity] + 1, len(SEVERITIES) - 1)]
            summary = f"{finding.summary} {effect_text(result)}"
            attached.append(replace(finding, severity=severity, summary=summary, evidence=evidence))
    return attached


def helped(result: dict) -> bool:
    """A clear accuracy gain, or the validation loss at most halved without losing accuracy: a rate so high
    that the weights collapse to zero halves a loss swollen by weight decay, and predicts one class
    (TheDeepChecker's L2-0.1 program: loss 4.6 -> 2.3, accuracy 0.29 -> 0.10)."""
    return _gained(result) or (_loss_halved(result) and result["gain"] > -LOST_ACCURACY)


# A fix that costs this much validation accuracy did not help, whatever its loss did.
LOST_ACCURACY = 0.1


def _gained(result: dict) -> bool:
    return result["gain"] >= result.get("needed_gain", MIN_VERIFIED_GAIN)


def _loss_halved(result: dict) -> bool:
    """Whether the fix left at most MAX_VERIFIED_LOSS_SHARE of the validation loss (both sides finite)."""
    with_loss, without_loss = (_last_finite(result[side]["val_loss"]) for side in ("with", "without"))
    return with_loss is not None and without_loss is not None and with_loss <= MAX_VERIFIED_LOSS_SHARE * without_loss


def _last_finite(values: list[float | None]) -> float | None:
    return next((value for value in reversed(values) if value is not None), None)


def refuted(finding: Finding) -> bool:
    """Whether the finding's fix was tried and did not help (a certain fault is never refuted)."""
    result = finding.evidence.get(VERIFICATION)
    return result is not None and not helped(result) and not certain(finding)


def gain(finding: Finding) -> float:
    """The validation accuracy its tried fix gained (0 when not tried)."""
    return (finding.evidence.get(VERIFICATION) or {}).get("gain", 0.0)


def effect_text(result: dict) -> str:
    """'With train.learning_rate=0.001 validation accuracy went 0.10 -> 0.86 in 3 epochs.' (or: no better)"""
    before, after = (_last_reached(result[side]["val_accuracy"]) for side in ("without", "with"))
    went = f"{before:.2f} -> {after:.2f}"
    change = " ".join(result["change"])
    more = " more" if "after_epoch" in result else ""
    epochs = f"{result['epochs']}{more} epoch{'s' if result['epochs'] != 1 else ''}"
    if _gained(result):
        return f"Verified: with {change} validation accuracy went {went} in {epochs}."
    if helped(result):
        losses = " -> ".join(f"{_last_finite(result[side]['val_loss']):.3g}" for side in ("without", "with"))
        return f"Verified: with {change} validation loss went {losses} in {epochs} (accuracy {went})."
    if result.get("certain"):
        return (
            f"Tried {change} for {epochs}: validation accuracy {went}; not enough alone: something else holds "
            "training back too."
        )
    needed = result.get("needed_gain", MIN_VERIFIED_GAIN)
    chance = f" than chance (which moves it {needed:.2f})" if result["gain"] > 0 else ""
    return (
        f"Tried {change} for {epochs}: validation accuracy {went}, no better{chance}: the report does not lead with it."
    )
