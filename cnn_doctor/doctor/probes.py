"""Probes during training: gradients, update ratios, dead and saturated units, the first batches' loss."""

from __future__ import annotations

import math

import numpy as np

from cnn_doctor.config import DiagnoseParams
from cnn_doctor.doctor.curves import early_divergence
from cnn_doctor.doctor.learning_rate import update_ratio_findings
from cnn_doctor.findings import Finding
from cnn_doctor.training.models import activation_name, all_layers
from cnn_doctor.training.run import mean_loss

EARLY_BATCHES = 30
SATURATION_PREACTIVATION = 5.0
SIGMOID_EDGE = 1 / (1 + math.exp(-SATURATION_PREACTIVATION)) - 0.5  # distance from 0.5 at a pre-activation of 5
TANH_EDGE = math.tanh(SATURATION_PREACTIVATION)


def probed_layers(model) -> tuple[list, list]:
    """(layers with a kernel, nested ones included; top-level layers whose output is a ReLU/sigmoid/tanh).

    Activations are read through a model over the network's own graph, so layers inside a nested model
    (a keras.applications backbone) are left out there.
    """
    weighted = [
        layer
        for layer in all_layers(model)
        if getattr(layer, "kernel", None) is not None and len(layer.kernel.shape) >= 2
    ]
    activated = [layer for layer in model.layers if activation_name(layer) in ("relu", "sigmoid", "tanh")]
    return weighted, activated


def _make_probe_callback():
    import keras
    import tensorflow as tf

    class ProbeCallback(keras.callbacks.Callback):
        """Record per-epoch probe statistics on a fixed batch, and the loss of the first batches."""

        def __init__(self, probe_images, probe_targets, loss_function, core, feed):
            super().__init__()
            self.probe_images = tf.constant(probe_images, dtype=tf.float32)
            self.probe_targets = tf.constant(probe_targets)
            self.loss_function, self.core, self.feed = loss_function, core, feed
            self.weighted, self.activated = probed_layers(core)
            self.records: list[dict] = []
            self.early_losses: list[float] = []
            self.update_ratios: list[dict] = []
            self._snapshot = None
            self._epoch = 0

        def on_train_begin(self, logs=None):
            try:
                outputs = [layer.output for layer in self.activated]
                self.activation_model = keras.Model(self.core.inputs, outputs) if outputs else None
            except (AttributeError, ValueError):  # a subclassed model has no graph to read activations from
                self.activated, self.activation_model = [], None
            self.kinds = [activation_name(layer) for layer in self.activated]
            self._probe = tf.function(self._statistics, reduce_retracing=True)
            self.records.append({"epoch": 0, **self.measure()})

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if batch == 0:
                self._snapshot = [np.array(layer.kernel, dtype=np.float64) for layer in self.weighted]

        def on_train_batch_end(self, batch, logs=None):
            if self._epoch == 0 and batch < EARLY_BATCHES and logs and "loss" in logs:
                self.early_losses.append(float(logs["loss"]))
            if batch == 0 and self._snapshot is not None:
                with np.errstate(all="ignore"):  # a diverging run overflows here: inf is the right answer
                    self.update_ratios.append(
                        {
                            layer.name: float(
                                np.linalg.norm(np.array(layer.kernel, dtype=np.float64) - before)
                                / (np.linalg.norm(before) + 1e-12)
                            )
                            for layer, before in zip(self.weighted, self._snapshot)
                        }
                    )
                self._snapshot = None

        def on_epoch_end(self, epoch, logs=None):
            self.records.append({"epoch": epoch + 1, **self.measure()})

        def _statistics(self, images, targets):
            """One compiled pass: loss, per-layer gradient norms, per-layer dead/saturated shares."""
            with tf.GradientTape() as tape:
                loss = self.loss_function(targets, self.model(images, training=False))
            gradients = tape.gradient(loss, [layer.kernel for layer in self.weighted])
            norms = [tf.norm(tf.cast(g, tf.float32)) if g is not None else tf.constant(0.0) for g in gradients]
            shares = []
            if self.activation_model is not None:
                activations = self.activation_model(self.feed(images), training=False)
                activations = activations if isinstance(activations, (list, tuple)) else [activations]
                for kind, values in zip(self.kinds, activations):
                    units = tf.reshape(tf.cast(values, tf.float32), [-1, values.shape[-1]])
                    if kind == "relu":
                        shares.append(tf.reduce_mean(tf.cast(tf.reduce_max(units, axis=0) <= 0, tf.float32)))
                    else:
                        center, edge = (0.5, SIGMOID_EDGE) if kind == "sigmoid" else (0.0, TANH_EDGE)
                        shares.append(tf.reduce_mean(tf.cast(tf.abs(units - center) >= edge, tf.float32)))
            return loss, norms, shares

        def measure(self) -> dict:
            loss, norms, shares = self._probe(self.probe_images, self.probe_targets)
            record = {
                "loss": float(loss),
                "gradient_norms": {layer.name: float(n) for layer, n in zip(self.weighted, norms)},
            }
            if shares:
                record["dead_fraction"] = {
                    layer.name: float(share)
                    for layer, kind, share in zip(self.activated, self.kinds, shares)
                    if kind == "relu"
                }
                record["saturated_fraction"] = {
                    layer.name: float(share)
                    for layer, kind, share in zip(self.activated, self.kinds, shares)
                    if kind != "relu"
                }
            return record

    return ProbeCallback


def make_probe_callback(probe_images, probe_targets, loss_function, core, feed):
    return _make_probe_callback()(probe_images, probe_targets, loss_function, core, feed)


def _finite(values) -> bool:
    return bool(np.isfinite(np.asarray(values, dtype=np.float64)).all())


def first_non_finite(model, images, targets, loss, earlier_weights: list | None = None) -> dict:
    """Where the first non-finite value is once the loss is NaN or infinite: the first layer (in the network's
    order) whose output on the batch is not finite with the weights of the start of the epoch (`earlier_weights`:
    the step that failed has already written its NaN into every weight); else the first layer whose weights are
    not finite now; else the loss itself; else the layer nearest the output whose gradient is not finite.
    `{"part": ..., "layer": name or None}`. The model's weights are restored before returning."""
    layers = [layer for layer in all_layers(model) if type(layer).__name__ != "InputLayer"]
    if earlier_weights is not None:
        current = model.get_weights()
        try:
            model.set_weights(earlier_weights)
            if found := _first_non_finite_output(model, images, layers):
                return found
        finally:
            model.set_weights(current)
    for layer in layers:
        if not all(_finite(weight) for weight in layer.weights):
            return {"part": "weights", "layer": layer.name}
    return _first_non_finite_output(model, images, layers) or _non_finite_loss_or_gradient(
        model, images, targets, loss, layers
    )


def _first_non_finite_output(model, images, layers) -> dict | None:
    import keras

    watched = [layer for layer in model.layers if layer in layers]
    try:  # a subclassed model has no graph to read its layers' outputs from
        inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
        outputs = keras.Model(inputs, [layer.output for layer in watched])(images, training=False)
    except (AttributeError, ValueError, TypeError):
        return None
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    bad = (layer.name for layer, values in zip(watched, outputs) if not _finite(values))
    return next(({"part": "output", "layer": name} for name in bad), None)


def _non_finite_loss_or_gradient(model, images, targets, loss, layers) -> dict:
    import tensorflow as tf

    with tf.GradientTape() as tape:
        value = mean_loss(loss)(targets, model(images, training=False))
    if not _finite(value):
        return {"part": "loss", "layer": None}
    gradients = dict(zip((id(w) for w in model.trainable_weights), tape.gradient(value, model.trainable_weights)))
    for layer in reversed(layers):
        if any(g is not None and not _finite(g) for g in (gradients.get(id(w)) for w in layer.trainable_weights)):
            return {"part": "gradient", "layer": layer.name}
    return {"part": "loss on other batches", "layer": None}


def diagnose_probes(
    records: list[dict],
    early_losses: list[float],
    update_ratios: list[dict],
    num_classes: int,
    learning_rate: float,
    params: DiagnoseParams,
) -> list[Finding]:
    """Findings from what the probes saw."""
    findings = []
    if not records:
        return findings
    final = records[-1]
    dead = {
        name: fraction
        for name, fraction in final.get("dead_fraction", {}).items()
        if fraction >= params.dead_relu_fraction
    }
    if dead:
        findings.append(
            Finding(
                "dying_relu",
                "critical" if len(dead) == len(final["dead_fraction"]) else "warning",
                "train",
                f"{len(dead)} ReLU layer(s) have most units never active: "
                + ", ".join(f"{n} {f:.0%}" for n, f in dead.items())
                + ".",
                "Lower train.learning_rate, use model.kernel_initializer=he_normal, or leaky ReLU.",
                {"dead_fraction": dead, "per_epoch": [r.get("dead_fraction", {}) for r in records]},
            )
        )
    saturated = {
        name: fraction
        for name, fraction in final.get("saturated_fraction", {}).items()
        if fraction > params.saturated_fraction
    }
    if saturated:
        findings.append(
            Finding(
                "saturated_activations",
                "warning",
                "train",
                f"{len(saturated)} sigmoid/tanh layer(s) are stuck beyond +/-{SATURATION_PREACTIVATION:g}: "
                + ", ".join(f"{n} {f:.0%}" for n, f in saturated.items())
                + ".",
                "Use ReLU activations with batch normalisation, or scale the inputs (preprocess.normalize).",
                {"saturated_fraction": saturated},
            )
        )
    findings += _gradient_findings(records, params)
    # tiny updates are the learning rate's fault only when gradients do flow
    gradients_blocked = any(f.id in ("dying_relu", "vanishing_gradients", "saturated_activations") for f in findings)
    findings += [
        f
        for f in update_ratio_findings(update_ratios, learning_rate, params)
        if not (gradients_blocked and f.id == "learning_rate_too_low")
    ]
    findings += early_divergence(early_losses, learning_rate)
    return findings


def explodes_at_initialization(finding: Finding) -> bool:
    """Gradients that explode before any update: the network itself amplifies, whatever the learning rate."""
    return finding.id == "exploding_gradients" and bool(finding.evidence.get("at_initialization"))


SATURATING = ("sigmoid", "tanh")


def saturating_hidden_layers(model) -> list[str]:
    """Layers before the output layer (the last with a kernel) whose activation is sigmoid or tanh: each passes
    back at most a quarter (sigmoid) or all (tanh at 0) of the gradient and less once saturated, so stacked they
    starve the layers near the input."""
    layers = all_layers(model)
    weighted = [index for index, layer in enumerate(layers) if getattr(layer, "kernel", None) is not None]
    if not weighted:
        return []
    return [layer.name for layer in layers[: weighted[-1]] if activation_name(layer) in SATURATING]


def saturation_slows_learning(
    records: list[dict], saturating_layers: list[str], train_accuracy: float, params: DiagnoseParams
) -> list[Finding]:
    """`vanishing_gradients` from sigmoid/tanh hidden layers that hold a network back: it underfits (training
    accuracy below `diagnose.min_train_accuracy`) and the first layer's gradient after the first epoch is below
    `diagnose.saturating_gradient_ratio` of the last one's, short of the general rule's bound (a sigmoid LeNet on
    the digits: 7e-3 and at chance after three epochs; the same LeNet with ReLU: 0.6 and 0.87)."""
    norms = [list(r["gradient_norms"].values()) for r in records if r.get("gradient_norms")]
    if not saturating_layers or train_accuracy >= params.min_train_accuracy or not norms or len(norms[0]) < 2:
        return []
    measured = norms[1] if len(norms) > 1 else norms[0]
    first, last = measured[0], measured[-1]
    if not (last > 0 and math.isfinite(first) and first / last < params.saturating_gradient_ratio):
        return []
    return [
        Finding(
            "vanishing_gradients",
            "warning",
            "train",
            f"The hidden layer(s) {', '.join(saturating_layers)} use sigmoid/tanh and the gradient reaching the "
            f"first layer is {first / last:.1e} of the last layer's: training accuracy stays at "
            f"{train_accuracy:.2f}.",
            "Use ReLU on the hidden layers (keep sigmoid/softmax for the output layer only), with He "
            "initialisation; batch normalisation helps a deeper stack.",
            {
                "first_to_last_ratio": first / last,
                "gradient_norms": dict(zip(records[0]["gradient_norms"], measured)),
                "saturating_layers": saturating_layers,
            },
        )
    ]


def _gradient_findings(records: list[dict], params: DiagnoseParams) -> list[Finding]:
    findings = []
    norms = [list(r["gradient_norms"].values()) for r in records if r.get("gradient_norms")]
    if not norms or len(norms[0]) < 2:
        return findings
    measured = norms[1] if len(norms) > 1 else norms[0]  # after the first epoch: past start-up transients
    first, last = measured[0], measured[-1]
    ratio = first / last if last > 0 else (0.0 if first == 0 else math.inf)
    names = list(records[0]["gradient_norms"])
    if (last > 0 and ratio < params.vanishing_gradient_ratio) or (0 < max(measured) < 1e-7):
        findings.append(
            Finding(
                "vanishing_gradients",
                "warning",
                "train",
                f"Gradients shrink towards the input: first/last layer norm ratio {ratio:.2e}.",
                "Use ReLU activations, He initialisation and batch normalisation "
                "(model.architecture=regularized_cnn or resnet_small).",
                {"first_to_last_ratio": ratio, "gradient_norms": dict(zip(names, measured))},
            )
        )
    finite = [value for row in norms for value in row if math.isfinite(value)]
    if any(not math.isfinite(v) for row in norms for v in row) or (
        finite and max(finite) > params.exploding_gradient_norm
    ):
        # measured before the first update: the network itself amplifies, whatever the learning rate
        at_start = not all(map(math.isfinite, norms[0])) or max(norms[0]) > params.exploding_gradient_norm
        findings.append(
            Finding(
                "exploding_gradients",
                "warning",
                "train",
                f"Gradient norms grew to {max(finite, default=math.inf):.3g}"
                + (", already before the first update." if at_start else "."),
                "The untrained network amplifies its signal layer by layer: add batch normalisation, initialise with "
                "unit gain (model.kernel_initializer=he_normal), or use fewer plain layers (model.architecture="
                "regularized_cnn or resnet_small)."
                if at_start
                else "Lower train.learning_rate, add batch normalisation, or clip gradients.",
                {
                    "max_gradient_norm": max(finite, default=None),
                    "at_initialization": at_start,
                    "per_epoch": [r["gradient_norms"] for r in records],
                },
            )
        )
    return findings
