"""The doctor's part of a training run: the checks before the first step, the quick experiments the symptoms
call for, and the fix trials chosen by the one judge. The train stage calls these; they work on the run's
`Run` (cnn_doctor/training/run.py) and never touch the user's files."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cnn_doctor.config import DiagnoseParams, TrainParams, one_line
from cnn_doctor.doctor.curves import diagnose_curves
from cnn_doctor.doctor.experiments import (
    SYMPTOMS_FOR_BATCH_TEST,
    SYMPTOMS_FOR_LEARNING_CURVE,
    SYMPTOMS_FOR_LR_TEST,
    advise_on_data,
    augmentation_verdict,
    learning_curve,
    learning_rate_range_test,
    overfit_single_batch,
    train_without_augmentation,
)
from cnn_doctor.doctor.judge import judge
from cnn_doctor.doctor.learning_rate import range_test_verdict, recommend_tested_rate
from cnn_doctor.doctor.model_checks import (
    ProbeBatch,
    check_before_first_step,
    check_dropout_before_batchnorm,
    check_regularization,
    check_step_direction,
    describe_loss,
    largest_dropout,
    regularization_share,
)
from cnn_doctor.doctor.predictions import stale_statistics
from cnn_doctor.doctor.probes import (
    diagnose_probes,
    explodes_at_initialization,
    make_probe_callback,
    saturating_hidden_layers,
    saturation_slows_learning,
)
from cnn_doctor.doctor.verification import RunFacts, curve, fixes_to_verify, held, verification, with_verifications
from cnn_doctor.findings import Finding, load_findings
from cnn_doctor.layout import Layout, read_json
from cnn_doctor.run_context import run_logger
from cnn_doctor.training.counterfactual import train_with_fix
from cnn_doctor.training.models import output_activation
from cnn_doctor.training.run import Fitted, Run, optimizer_steps


def check_before_training(run: Run, diagnose: DiagnoseParams, batch_size: int) -> tuple[list[Finding], str | None]:
    """Static model checks on the run's probe batch; the findings and, when no training step is possible, why."""
    batch = ProbeBatch(*run.probe_batch(diagnose.probe_batch_size), one_hot=run.one_hot)
    findings, blocker = check_before_first_step(run.model, run.loss, len(run.classes), batch, batch_size, diagnose)
    # the user compiled the network the pipeline wraps (behind its normalisation): the wrapper has no optimizer yet
    if run.user_optimizer is not None and getattr(run.model, "optimizer", None) is not run.user_optimizer:
        findings = [*findings, *check_step_direction(run.user_optimizer)]
    return findings, blocker


@dataclass(frozen=True)
class Watch:
    """What the doctor watches a training with: its probes (None: `diagnose.probes` off), batch normalisation
    scored both ways on the final weights (None: no batch normalisation) and weight decay's share of the
    objective before the first step."""

    probes: object | None
    batch_statistics: object | None
    initial_decay_share: float | None

    @property
    def callbacks(self) -> list:
        return [callback for callback in (self.probes, self.batch_statistics) if callback is not None]


def start_watching(run: Run, diagnose: DiagnoseParams) -> Watch:
    batch = run.probe_batch(diagnose.probe_batch_size)
    probes = make_probe_callback(*batch, run.loss_function(), run.core, run.feed) if diagnose.probes else None
    return Watch(
        probes,
        run.batch_statistics_watch(describe_loss(run.loss)[1]),
        regularization_share(run.model, run.loss_function(), *batch),
    )


def diagnose_training(
    run: Run, watch: Watch, history: dict, params: TrainParams, diagnose: DiagnoseParams
) -> list[Finding]:
    """What the history, the regularisation, the batch statistics and the probes say about the finished run;
    `params` as trained (a user's optimizer's rate)."""
    num_classes = len(run.classes)
    findings = diagnose_curves(history, num_classes, params, diagnose, optimizer_steps(run.model))
    findings += check_regularization(
        regularization_share(run.model, run.loss_function(), *run.probe_batch(diagnose.probe_batch_size)),
        largest_dropout(run.model),
        max(history.get("accuracy") or [0.0]),
        diagnose,
        watch.initial_decay_share,
    )
    ended = watch.batch_statistics
    if ended is not None and ended.batch is not None:  # the final weights, before EarlyStopping restored any
        stale = stale_statistics(ended.batch, ended.inference, len(ended.labels), "train")
        findings += [*stale, *(check_dropout_before_batchnorm(run.model) if stale else [])]
    if watch.probes is not None:
        probes = watch.probes
        records = (probes.records, probes.early_losses, probes.update_ratios)
        findings += diagnose_probes(*records, num_classes, params.learning_rate, diagnose)
        if not any(finding.id == "vanishing_gradients" for finding in findings):
            best = max(history.get("accuracy") or [0.0])
            findings += saturation_slows_learning(probes.records, saturating_hidden_layers(run.core), best, diagnose)
    return findings


def run_experiments(fitted: Fitted, findings: list[Finding], diagnose: DiagnoseParams) -> tuple[list[Finding], dict]:
    """The quick experiments the symptoms call for: the findings with what they settled (amended advice and
    new findings), and their results."""
    run, params, history = fitted.run, fitted.params, fitted.history
    found = {finding.id for finding in findings}
    results, extra = {}, []
    if diagnose.lr_range_test and found & SYMPTOMS_FOR_LR_TEST:
        results["lr_range_test"] = test = _attempt("lr_range_test", lambda: learning_rate_range_test(fitted))
        # gradients that explode before any update blow up every rate: then the test cannot blame the rate
        if "skipped" not in test and not any(map(explodes_at_initialization, findings)):
            extra += range_test_verdict(test, params, findings, history.get("loss", []))
            findings = recommend_tested_rate(findings, test, params)
    if diagnose.single_batch_test and found & SYMPTOMS_FOR_BATCH_TEST:
        results["single_batch_test"] = _attempt("single_batch_test", lambda: overfit_single_batch(fitted))
    if diagnose.learning_curve and found & SYMPTOMS_FOR_LEARNING_CURVE and fitted.val_data is not None:
        results["learning_curve"] = curve = _attempt("learning_curve", lambda: learning_curve(fitted))
        if "skipped" not in curve:
            findings = advise_on_data(findings, curve)
    rate_too_high = any(finding.id == "learning_rate_too_high" for finding in [*findings, *extra])
    # with a rate that makes training chaotic, a rerun without augmentation differs by luck, not by augmentation
    if (
        diagnose.augmentation_ablation
        and run.augmented
        and found & SYMPTOMS_FOR_BATCH_TEST
        and fitted.val_data is not None
        and not rate_too_high
    ):
        clean_train, _, _ = run.datasets(params, augment_online=False)
        results["augmentation_ablation"] = test = _attempt(
            "augmentation_ablation", lambda: train_without_augmentation(fitted, clean_train)
        )
        if "skipped" not in test:
            extra += augmentation_verdict(test, history, diagnose)
    return findings + extra, results


def _attempt(name: str, experiment) -> dict:
    """Run one quick experiment; one that cannot run on this model (a user's object Keras cannot train twice,
    say) is skipped with its reason, never a crash: the report still comes."""
    try:
        return experiment()
    except Exception as error:
        reason = one_line(error)
        run_logger().warning("Skipped the %s: %s", name.replace("_", " "), reason)
        return {"skipped": reason}


def verify_fixes(
    fitted: Fitted, findings: list[Finding], layout: Layout, diagnose: DiagnoseParams
) -> tuple[list[Finding], dict]:
    """Try the leading cause's fix (and an equally severe second cause's) in a short training with the same data
    and seed; each tried cause gets `evidence.verification`. Healthy runs try nothing."""
    run, history, epochs_run = fitted.run, fitted.history, fitted.epochs_run
    if not diagnose.verify_fix or fitted.val_data is None or epochs_run == 0:
        return findings, {"tried": [], "skipped": [], "seconds": 0.0}
    facts = RunFacts(
        fitted.params,
        fitted.model_params,
        run.normalize,
        run.augmented,
        run.user_compiled,
        output_activation(run.core),
        epochs_run,
        final_val_accuracy=(history.get("val_accuracy") or [None])[-1],
        from_logits=describe_loss(run.loss)[1],
        own_script=fitted.own_script,
    )
    fixes = fixes_to_verify(judge_so_far(findings, layout, history), facts, diagnose.verify_max_fixes)
    epochs = min(diagnose.verify_budget, epochs_run)
    started, results, skipped = time.perf_counter(), {}, []
    for fix in fixes:
        try:
            trained = train_with_fix(fix, fitted, epochs)
        except Exception as error:  # a model the change does not fit: say so in the report, never crash
            run_logger().warning("Could not try %s for %s: %s", " ".join(fix.change), fix.finding_id, error)
            skipped.append({"finding": fix.finding_id, "change": fix.change, "reason": one_line(error)})
            continue
        without = held(history, epochs) if fix.kind == "continued" else curve(history, epochs)
        results[fix.finding_id] = verification(fix, epochs, curve(trained, epochs), without, epochs_run, run.val_images)
    seconds = round(time.perf_counter() - started, 2)
    tried = [fix.change for fix in fixes if fix.finding_id in results]
    return with_verifications(findings, results), {"tried": tried, "skipped": skipped, "seconds": seconds}


def judge_so_far(findings: list[Finding], layout: Layout, history: dict) -> list[Finding]:
    """The run's judgement with every finding known before evaluate (validate's and train's), validation
    accuracy standing in for the test accuracy: the same judge the report uses, so the cause whose fix is
    tried is the cause the report leads with (a data fault is never answered with a rate trial)."""
    validation = read_json(layout.summary("validate")) if layout.summary("validate").is_file() else {}
    metrics = {
        "test_accuracy": (history.get("val_accuracy") or history.get("accuracy") or [None])[-1],
        "train_accuracy": (history.get("accuracy") or [None])[-1],
    }
    return judge([*load_findings(layout.findings("validate")), *findings], metrics, validation.get("usable_images"))


def deduplicate(findings: list[Finding]) -> list[Finding]:
    """One finding per id: the first (most specific) one wins."""
    seen, unique = set(), []
    for finding in findings:
        if finding.id not in seen:
            seen.add(finding.id)
            unique.append(finding)
    return unique
