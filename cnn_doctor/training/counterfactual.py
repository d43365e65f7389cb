"""The counterfactual training behind a verified fix: the run's model and data with one change, trained briefly.

The user's files are never touched: a changed model is a clone built in memory (`keras.models.clone_model`).
`run` is the train stage's `Run` (model, loss, datasets); `optimizer_for(train_params)` builds the run's
optimizer for other settings.
"""

from __future__ import annotations

from collections.abc import Callable

from cnn_doctor.config import ModelParams, TrainParams
from cnn_doctor.doctor.model_checks import RELU_LIKE
from cnn_doctor.doctor.verification import Fix
from cnn_doctor.training.models import build_model, normalization_layer


def train_with_fix(
    fix: Fix,
    run,
    initial_weights,
    optimizer_for: Callable[[TrainParams], object],
    params: TrainParams,
    model_params: ModelParams,
    epochs: int,
    class_weight: dict | None,
) -> dict[str, list[float]]:
    """Train the run's model with `fix` applied for `epochs` epochs; its Keras history."""
    import keras

    keras.utils.set_random_seed(params.seed)
    fixed = _updated(params, fix, "train")
    model, loss, optimizer = _fixed_model(fix, run, initial_weights, optimizer_for, fixed, model_params)
    train_data, val_data, _ = run.datasets(fixed, augment_online=fix.kind != "unaugmented")
    with run.strategy.scope():
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    history = model.fit(
        train_data,
        validation_data=val_data,
        epochs=epochs,
        shuffle=False,
        class_weight=class_weight,
        callbacks=[keras.callbacks.TerminateOnNaN()],
        verbose=0,
    )
    return history.history


def _fixed_model(fix: Fix, run, initial_weights, optimizer_for, params: TrainParams, model_params: ModelParams):
    """The model to train, its loss and a fresh optimizer, with the fix applied."""
    import keras

    if fix.kind == "rebuilt":
        normalize = fix.changes.get("preprocess.normalize", run.normalize)
        normalization = normalization_layer(normalize, run.mean, run.variance)
        with run.strategy.scope():
            model, user_model = build_model(
                _updated(model_params, fix, "model"), run.image_shape, len(run.classes), normalization
            )
        if user_model is not None and user_model.compiled:
            return model, user_model.loss, user_model.optimizer  # freshly built: its own, unused
        return model, run.loss, optimizer_for(params)
    clone_function = {"softmax_output": _softmax_output(run.core), "reinitialised": _reinitialised}.get(fix.kind)
    with run.strategy.scope():
        model = keras.models.clone_model(run.model, clone_function=clone_function, recursive=clone_function is not None)
    if fix.kind == "continued":
        model.set_weights(run.model.get_weights())
    elif fix.kind != "reinitialised":
        model.set_weights(initial_weights)
    rate = fix.changes.get("train.learning_rate")
    if fix.kind == "continued":
        rate = _rate_where_training_ended(run.model.optimizer, params)
        params = params.model_copy(update={"learning_rate": rate, "lr_schedule": "constant"})
    if run.user_optimizer is not None:
        return model, run.loss, _like(run.user_optimizer, rate)
    return model, run.loss, optimizer_for(params)


def _rate_where_training_ended(optimizer, params: TrainParams) -> float:
    """More epochs continue at the rate training ended with (a plateau schedule may have lowered it); a cosine
    schedule ends near zero, so it restarts at the initial rate."""
    if params.lr_schedule == "cosine":
        return params.learning_rate
    return float(optimizer.learning_rate.numpy() if hasattr(optimizer.learning_rate, "numpy") else params.learning_rate)


def _like(optimizer, learning_rate: float | None):
    """A fresh optimizer of the same kind and settings (another learning rate when given)."""
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = learning_rate
    return type(optimizer).from_config(config)


def _softmax_output(core):
    output_name = core.layers[-1].name

    def clone(layer):
        config = layer.get_config()
        if layer.name == output_name and "activation" in config:
            config["activation"] = "softmax"
        return layer.__class__.from_config(config)

    return clone


def _reinitialised(layer):
    """The initialisation the model check measures against: He-normal kernels for ReLU-like layers, Glorot
    (Keras's default) for the others, zero biases."""
    config = layer.get_config()
    if "kernel_initializer" in config:
        relu_like = str(config.get("activation")).lower() in RELU_LIKE
        config["kernel_initializer"] = "he_normal" if relu_like else "glorot_uniform"
    if "bias_initializer" in config:
        config["bias_initializer"] = "zeros"
    return layer.__class__.from_config(config)


def _updated(section, fix: Fix, name: str):
    """A params section with the fix's keys of that section changed (validated like params.yaml)."""
    update = {key.split(".", 1)[1]: value for key, value in fix.changes.items() if key.startswith(f"{name}.")}
    return type(section).model_validate({**section.model_dump(), **update}) if update else section
