"""The counterfactual training behind a verified fix: the run's model and data with one change, trained briefly.

The user's files are never touched: a changed model is a fresh build of the network (`ModelCopies`) changed in memory.
`fitted` is the finished run (`cnn_doctor.training.run.Fitted`): its model, copies, datasets and settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cnn_doctor.config import TrainParams
from cnn_doctor.training.models import RELU_LIKE, activation_name, all_layers, normalization_layer
from cnn_doctor.training.run import Fitted, same_kind


@dataclass(frozen=True)
class Fix:
    """One change to try: params keys with their new values (the `--set` lines), or, when `model_change` says
    it in words, a change to the user's model (`changes` then holds only what the counterfactual applies).

    `kind` says how it is trained: `fresh` (same initial weights, other optimizer settings), `rebuilt`
    (a new model: other normalisation, architecture or initialiser), `continued` (the trained model, more
    epochs), `unaugmented` (the same model on un-augmented images), `softmax_output`, `linear_output` and
    `reinitialised` (the user's model changed in memory: its file is never touched).
    """

    finding_id: str
    kind: str
    changes: dict[str, Any] = field(default_factory=dict)
    model_change: str = ""

    @property
    def overrides(self) -> list[str]:
        """The `--set` lines (none for a change to the user's model)."""
        if self.model_change:
            return []
        return [f"{key}={_format(value)}" for key, value in self.changes.items()]

    @property
    def change(self) -> list[str]:
        return self.overrides or [self.model_change]


def _format(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def train_with_fix(fix: Fix, fitted: Fitted, epochs: int) -> dict[str, list[float]]:
    """Train the run's model with `fix` applied for `epochs` epochs; its Keras history."""
    import keras

    run = fitted.run
    keras.utils.set_random_seed(fitted.params.seed)
    fixed = _updated(fitted.params, fix, "train")
    model, optimizer = _fixed_model(fix, fitted, fixed)
    train_data, val_data, _ = run.datasets(fixed, augment_online=fix.kind != "unaugmented")
    with run.strategy.scope():
        model.compile(optimizer=optimizer, loss=run.loss, metrics=["accuracy"])
    history = model.fit(
        train_data,
        validation_data=val_data,
        epochs=epochs,
        shuffle=False,
        class_weight=fitted.class_weight,
        callbacks=[keras.callbacks.TerminateOnNaN()],
        verbose=0,
    )
    return history.history


def _fixed_model(fix: Fix, fitted: Fitted, params: TrainParams):
    """The model to train, with the fix applied, and a fresh optimizer for it."""
    run = fitted.run
    if fix.kind == "rebuilt":
        normalize = fix.changes.get("preprocess.normalize", run.normalize)
        normalization = normalization_layer(normalize, run.mean, run.variance)
        model, user_model = run.copies.build(_updated(fitted.model_params, fix, "model"), normalization)
        if user_model is not None and user_model.compiled:
            return model, user_model.optimizer  # freshly built: its own, unused
        if run.user_optimizer is not None:  # a copy of a user's compiled model (cnn_doctor.diagnose)
            return model, same_kind(run.user_optimizer, None)
        return model, fitted.optimizer(params)
    # a fresh build from the builder, never a clone: a user's unregistered custom objects cannot be serialised
    model = run.copies.fresh(run.model.get_weights() if fix.kind == "continued" else fitted.initial_weights)
    if fix.kind == "softmax_output":
        _set_output_activation(model, "softmax")
    elif fix.kind == "linear_output":
        _set_output_activation(model, "linear")
    elif fix.kind == "reinitialised":
        _reinitialise(model)
    elif fix.kind in NETWORK_CHANGES:
        NETWORK_CHANGES[fix.kind](model)
    rate = fix.changes.get("train.learning_rate")
    if fix.kind == "continued":
        rate = _rate_where_training_ended(run.model.optimizer, params)
        params = params.model_copy(update={"learning_rate": rate, "lr_schedule": "constant"})
    if run.user_optimizer is not None:
        return model, same_kind(run.user_optimizer, rate)
    return model, fitted.optimizer(params)


def _rate_where_training_ended(optimizer, params: TrainParams) -> float:
    """More epochs continue at the rate training ended with (a plateau schedule may have lowered it); a cosine
    schedule ends near zero, so it restarts at the initial rate."""
    if params.lr_schedule == "cosine":
        return params.learning_rate
    return float(optimizer.learning_rate.numpy() if hasattr(optimizer.learning_rate, "numpy") else params.learning_rate)


def _unfreeze(model) -> None:
    for layer in all_layers(model):
        layer.trainable = True


def _hidden_relu(model) -> None:
    """Softmax or no activation in hidden weighted layers replaced by ReLU; the output layer (the last with an
    activation) keeps its own."""
    import keras

    activated = [layer for layer in all_layers(model) if getattr(layer, "activation", None) is not None]
    for layer in activated[:-1]:
        if getattr(layer.activation, "__name__", "") in ("softmax", "linear") and hasattr(layer, "kernel"):
            layer.activation = keras.activations.relu


def _saturating_to_relu(model) -> None:
    """Sigmoid and tanh replaced by ReLU in the layers before the output layer (the last with a kernel)."""
    import keras

    layers = all_layers(model)
    output = max(index for index, layer in enumerate(layers) if getattr(layer, "kernel", None) is not None)
    for layer in layers[:output]:
        if activation_name(layer) in ("sigmoid", "tanh"):
            layer.activation = keras.activations.relu


MAX_FIX_DROPOUT = 0.3


def _unregularise(model) -> None:
    """No weight decay (the variables' regularizers removed) and dropout at most MAX_FIX_DROPOUT."""
    for layer in all_layers(model):
        for weight in layer.weights:
            if getattr(weight, "regularizer", None) is not None:
                weight.regularizer = None
        if type(layer).__name__ == "Dropout":
            layer.rate = min(float(layer.rate), MAX_FIX_DROPOUT)


NETWORK_CHANGES = {
    "unfrozen": _unfreeze,
    "hidden_relu": _hidden_relu,
    "saturating_to_relu": _saturating_to_relu,
    "unregularised": _unregularise,
}


def _set_output_activation(model, name: str) -> None:
    """Change the activation of the network's last layer that has one, in place (on a fresh copy)."""
    import keras

    for layer in reversed(all_layers(model)):
        if getattr(layer, "activation", None) is not None:
            layer.activation = keras.activations.get(name)
            return
    raise ValueError("the model has no output layer with an activation to change")


def _reinitialise(model) -> None:
    """The initialisation the model check measures against, in place: He-normal kernels for ReLU-like layers,
    Glorot (Keras's default) for the others, zero biases."""
    import keras

    for layer in all_layers(model):
        kernel, bias = getattr(layer, "kernel", None), getattr(layer, "bias", None)
        if kernel is not None and len(kernel.shape) >= 2:
            relu_like = activation_name(layer) in RELU_LIKE
            initializer = keras.initializers.get("he_normal" if relu_like else "glorot_uniform")
            kernel.assign(initializer(kernel.shape, dtype=kernel.dtype))
        if bias is not None:
            bias.assign(keras.ops.zeros(bias.shape, dtype=bias.dtype))


def _updated(section, fix: Fix, name: str):
    """A params section with the fix's keys of that section changed (validated like params.yaml)."""
    update = {key.split(".", 1)[1]: value for key, value in fix.changes.items() if key.startswith(f"{name}.")}
    return type(section).model_validate({**section.model_dump(), **update}) if update else section
