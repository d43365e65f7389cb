"""The doctor inside the user's own training script: `DoctorCallback`, passed to their `model.fit`.

It runs the pipeline's own checks, probes, rules, judge and report on the user's model and data: the static
model checks at the start, the probes and curves during training, the predictions' findings on the validation
data at the end, then report.json and report.html in `out`, laid out as the pipeline's train and evaluate
stages (the report is the same code). It never changes the user's model, weights, optimizer or data.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np

from cnn_doctor.quiet import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402  (after the quiet import: TensorFlow's start-up noise stays out of the user's console)

from cnn_doctor.config import DiagnoseParams, EvaluateParams, TrainParams, one_line  # noqa: E402
from cnn_doctor.doctor.curves import diagnose_curves  # noqa: E402
from cnn_doctor.doctor.examination import deduplicate  # noqa: E402
from cnn_doctor.doctor.model_checks import (  # noqa: E402
    ProbeBatch,
    check_before_first_step,
    check_regularization,
    describe_loss,
    largest_dropout,
    regularization_share,
)
from cnn_doctor.doctor.predictions import diagnose_predictions  # noqa: E402
from cnn_doctor.doctor.probes import (  # noqa: E402
    diagnose_probes,
    first_non_finite,
    make_probe_callback,
    saturating_hidden_layers,
    saturation_slows_learning,
)
from cnn_doctor.findings import Finding  # noqa: E402
from cnn_doctor.layout import Layout, write_json  # noqa: E402
from cnn_doctor.report import write_report  # noqa: E402
from cnn_doctor.training.outputs import as_probabilities, compute_metrics, predict, usable_outputs  # noqa: E402
from cnn_doctor.training.run import as_trained, mean_loss, optimizer_steps  # noqa: E402

VALIDATION_CAP = 10_000  # validation images scored at the end (the predictions' findings)
EPOCH_SAMPLE = 2_000  # validation images scored each epoch when `fit` itself validates nothing
ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
KERAS_DEFAULT_BATCH = 32


def as_arrays(data, limit: int = VALIDATION_CAP, name: str = "validation_data") -> tuple[np.ndarray, np.ndarray]:
    """Images and targets (as the user encodes them) of `(x, y)` arrays, a `tf.data.Dataset` of `(x, y)`
    batches or a `keras.utils.PyDataset`, at most `limit` of them."""
    import tensorflow as tf

    if isinstance(data, (tuple, list)) and len(data) >= 2:
        return np.asarray(data[0])[:limit], np.asarray(data[1])[:limit]
    if isinstance(data, tf.data.Dataset):
        batches = data.as_numpy_iterator()
    elif isinstance(data, keras.utils.PyDataset):
        batches = (data[index] for index in range(len(data)))
    else:
        raise ValueError(
            f"{name} must be (x, y) arrays, a tf.data.Dataset of (x, y) batches or a keras.utils.PyDataset; "
            f"got {type(data).__name__}."
        )
    images, targets, count = [], [], 0
    for batch in batches:
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise ValueError(f"{name} must yield (x, y) batches; got {type(batch).__name__}.")
        images.append(np.asarray(batch[0]))
        targets.append(np.asarray(batch[1]))
        count += len(images[-1])
        if count >= limit:
            break
    if not images:
        raise ValueError(f"{name} holds no batches.")
    return np.concatenate(images)[:limit], np.concatenate(targets)[:limit]


def class_ids(targets: np.ndarray) -> np.ndarray:
    """Sparse class ids of sparse or one-hot targets."""
    targets = np.asarray(targets)
    if targets.ndim >= 2 and targets.shape[-1] > 1:
        return targets.argmax(axis=-1).astype(int)
    return targets.reshape(-1).astype(int)


class DoctorCallback(keras.callbacks.Callback):
    """Watch a `model.fit` and write the doctor's report at its end.

    `validation_data`: `(x, y)` arrays or a `tf.data.Dataset` of `(x, y)` batches, labels sparse or one-hot;
    it feeds the checks that need inputs, the probe batch and the predictions' findings. The report is in
    `out/report.json` and `out/report.html`, and as a dict in `callback.report` after training.
    """

    def __init__(
        self,
        validation_data,
        out: str | Path = "doctor-report",
        *,
        class_names: list[str] | None = None,
        batch_size: int | None = None,
        diagnose: DiagnoseParams | None = None,
        evaluate: EvaluateParams | None = None,
        verbose: bool = True,
    ):
        super().__init__()
        self.images, self.targets = as_arrays(validation_data)
        self.labels = class_ids(self.targets)
        self.layout = Layout(Path(out))
        self.class_names, self.batch_size = class_names, batch_size
        self.diagnose = diagnose or DiagnoseParams()
        self.evaluate = evaluate or EvaluateParams()
        self.verbose = verbose
        self.report: dict = {}
        self.findings: list[Finding] = []
        self.history: dict[str, list[float]] = {}
        self.non_finite: dict | None = None
        self.stopped_by: str | None = None
        self.probes = None
        self.initial_decay_share: float | None = None  # weight decay's share of the objective at the start
        self._step, self._epoch_weights, self._num_classes = 0, None, None

    # what the checks know about the run
    @property
    def num_classes(self) -> int:
        """The model's output width (a subclassed model has no output_shape: one forward pass tells)."""
        if self._num_classes is None:
            self._num_classes = int(keras.ops.shape(self.model(self.images[:1].astype("float32")))[-1])
        return self._num_classes

    @property
    def classes(self) -> list[str]:
        return list(self.class_names or [str(index) for index in range(self.num_classes)])

    @property
    def from_logits(self) -> bool:
        return describe_loss(self.model.loss)[1]

    def probe_batch(self) -> tuple[np.ndarray, np.ndarray]:
        size = self.diagnose.probe_batch_size
        return self.images[:size].astype("float32"), self.targets[:size]

    # Keras hooks
    def on_train_begin(self, logs=None):
        self.trained_params = as_trained(self._train_params(), self.model.optimizer)  # before any schedule moves it
        self.findings, self.stopped_by = self.check_before_training()
        if self.stopped_by:  # Keras fails on the first step the same way: the report comes first
            self.write()
            return
        if self.diagnose.probes:
            self.probes = make_probe_callback(
                *self.probe_batch(), mean_loss(self.model.loss), self.model, keras.layers.Identity()
            )
            self.probes.set_model(self.model)
            self.probes.on_train_begin(logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_weights = self.model.get_weights()  # where a NaN step is traced back from (one copy an epoch)
        if self.probes:
            self.probes.on_epoch_begin(epoch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        if self.probes:
            self.probes.on_train_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._step += 1
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)) and self.non_finite is None:
            images, targets = self.probe_batch()
            where = first_non_finite(self.model, images, targets, self.model.loss, self._epoch_weights)
            self.non_finite = {"step": self._step, **where}
            self.model.stop_training = True  # every later step would only spread the NaN
        if self.probes and self.non_finite is None:
            self.probes.on_train_batch_end(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        named = self._named(logs)
        if "val_loss" not in named or "val_accuracy" not in named:  # no validation in fit, or no accuracy metric
            named = {**self._validation_scores(), **named}
        for name, value in named.items():
            self.history.setdefault(name, []).append(float(value))
        if self.probes and self.non_finite is None:
            self.probes.on_epoch_end(epoch, logs)

    def on_train_end(self, logs=None):
        if self.stopped_by:
            return
        try:
            self.findings = deduplicate([*self.findings, *self.findings_after_training()])
        except Exception as error:  # a report with what was found, never a traceback in the user's fit
            self.stopped_by = f"the doctor's checks after training failed: {one_line(error)}"
        self.write()

    # the doctor's part
    def check_before_training(self) -> tuple[list[Finding], str | None]:
        one_hot = self.targets.ndim >= 2 and self.targets.shape[-1] > 1
        batch = ProbeBatch(*self.probe_batch(), one_hot=one_hot)
        batch_size = self.trained_params.batch_size
        findings, blocker = check_before_first_step(
            self.model, self.model.loss, self.num_classes, batch, batch_size, self.diagnose
        )
        self.initial_decay_share = regularization_share(
            self.model, mean_loss(self.model.loss), batch.images, batch.targets
        )
        return findings, "loss_activation_mismatch" if blocker else None

    def findings_after_training(self) -> list[Finding]:
        steps = optimizer_steps(self.model)
        findings = diagnose_curves(self.history, self.num_classes, self.trained_params, self.diagnose, steps)
        if self.non_finite:
            findings = [self._located(finding) for finding in findings]
        images, targets = self.probe_batch()
        share = regularization_share(self.model, mean_loss(self.model.loss), images, targets)
        best = max(self.history.get("accuracy") or [0.0])
        dropout = largest_dropout(self.model)
        findings += check_regularization(share, dropout, best, self.diagnose, self.initial_decay_share)
        if self.probes and self.probes.records:
            probes = self.probes
            rate = self.trained_params.learning_rate
            findings += diagnose_probes(
                probes.records, probes.early_losses, probes.update_ratios, self.num_classes, rate, self.diagnose
            )
            if not any(finding.id == "vanishing_gradients" for finding in findings):
                saturating = saturating_hidden_layers(self.model)
                findings += saturation_slows_learning(probes.records, saturating, best, self.diagnose)
        return [finding for finding in findings if not self._nan_not_explosion(finding)]

    def _nan_not_explosion(self, finding: Finding) -> bool:
        """Gradient norms that are NaN only because a layer's output already was (a log of negatives in a user's
        layer, with finite weights) measure no explosion: `loss_diverged` names that layer instead."""
        if finding.id != "exploding_gradients" or not self.non_finite or self.non_finite["part"] != "output":
            return False
        return (finding.evidence.get("max_gradient_norm") or 0.0) <= self.diagnose.exploding_gradient_norm

    def _located(self, finding: Finding) -> Finding:
        """loss_diverged, with where the first non-finite value appeared."""
        if finding.id != "loss_diverged":
            return finding
        where = self.non_finite
        place = f"the {where['part']} of layer '{where['layer']}'" if where.get("layer") else f"the {where['part']}"
        summary = f"{finding.summary} The first non-finite value appeared in {place} at step {where['step']}."
        return replace(finding, summary=summary, evidence={**finding.evidence, "first_non_finite": where})

    def metrics(self) -> dict:
        """The predictions' metrics on the validation data (the pipeline's evaluate scores its test split)."""
        outputs = as_probabilities(predict(self.model, self.images), self.from_logits)
        probabilities, non_finite_share = usable_outputs(outputs)
        metrics = compute_metrics(probabilities, self.labels, self.classes)
        return metrics | {
            "non_finite_outputs": non_finite_share,
            "evaluated_split": "val",
            "outputs_are_logits": self.from_logits,
            "train_accuracy": (self.history.get("accuracy") or [None])[-1],
            "reference": None,
        }

    def write(self, experiments: dict | None = None, verification: dict | None = None) -> dict:
        """The train and evaluate stages' files, then the pipeline's own report over them."""
        import pandas as pd

        with self.layout.writing_stage("train") as folder:  # the checks', probes' and curves' findings
            write_json(folder / self.layout.findings("train").name, [finding.to_dict() for finding in self.findings])
            write_json(folder / self.layout.summary("train").name, self._train_summary(experiments, verification))
            if self.history:
                table = pd.DataFrame({name: pd.Series(values) for name, values in self.history.items()})
                table.rename_axis("epoch").reset_index().to_csv(folder / self.layout.history.name, index=False)
        stages = ("train",)
        if not self.stopped_by:
            metrics = self.metrics()
            predicted = diagnose_predictions(metrics, self.classes, self.evaluate)
            with self.layout.writing_stage("evaluate") as folder:
                write_json(folder / self.layout.findings("evaluate").name, [finding.to_dict() for finding in predicted])
                summary = {"stage": "evaluate", "metrics": metrics, "params": self.evaluate.model_dump(mode="json")}
                write_json(folder / self.layout.summary("evaluate").name, summary)
            stages = ("train", "evaluate")
        else:
            shutil.rmtree(self.layout.stage_dir("evaluate"), ignore_errors=True)  # an earlier fit's, now stale
        self.report = write_report(self.layout, stages)
        if self.verbose:
            print_report(self.report, self.layout)
        return self.report

    def _train_summary(self, experiments: dict | None, verification: dict | None) -> dict:
        probes = self.probes
        return {
            "stage": "train",
            "model_name": self.model.name,
            "user_compiled": True,
            "parameters": int(self.model.count_params()),
            "epochs_run": len(self.history.get("loss", [])),
            "stopped_by": self.stopped_by,
            "first_non_finite": self.non_finite,
            "experiments": experiments or {},
            "verification": verification or {"tried": [], "skipped": [], "seconds": 0.0},
            "probes": {
                "records": probes.records,
                "early_losses": probes.early_losses,
                "update_ratios": probes.update_ratios,
            }
            if probes
            else None,
            "params": {
                "train": self.trained_params.model_dump(mode="json"),
                "diagnose": self.diagnose.model_dump(mode="json"),
            },
        }

    def _train_params(self) -> TrainParams:
        return TrainParams(
            batch_size=self.batch_size or KERAS_DEFAULT_BATCH,
            epochs=int((self.params or {}).get("epochs") or 1),
            lr_schedule="constant",
            class_weight="none",
        )

    def _named(self, logs: dict) -> dict:
        """The epoch's logs under the pipeline's names: a user's accuracy metric is `accuracy`."""
        named = {}
        for key, value in logs.items():
            prefix, name = ("val_", key[4:]) if key.startswith("val_") else ("", key)
            if name in ACCURACY_NAMES:
                named.setdefault(f"{prefix}accuracy", value)
            elif name == "loss":
                named[key] = value
        return named

    def _validation_scores(self) -> dict:
        """Validation loss and accuracy on a sample, for a `fit` given no validation data of its own."""
        images, targets = self.images[:EPOCH_SAMPLE], self.targets[:EPOCH_SAMPLE]
        outputs = predict(self.model, images)
        loss = float(mean_loss(self.model.loss)(targets, outputs.astype("float32")))
        return {"val_loss": loss, "val_accuracy": float(np.mean(outputs.argmax(-1) == self.labels[:EPOCH_SAMPLE]))}


def print_report(report: dict, layout: Layout) -> None:
    """The summary, once: verdict, findings, the verified fix, where the report is."""
    counts = report["findings_by_severity"]
    print(f"\ncnn-doctor: {report['verdict']}")
    print(f"Findings:  {counts['critical']} critical, {counts['warning']} warning, {counts['info']} info")
    for finding in report["findings"][:8]:
        print(f"  - [{finding['severity']}] {finding['id']}: {finding['summary']}")
    if fix := report.get("verified_fix"):
        print(f"Verified:  {' '.join(fix['change'])} (validation accuracy {fix['gain']:+.2f}, for {fix['finding']})")
    print(f"Report:    {layout.report_html}")
