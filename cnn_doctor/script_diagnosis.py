"""`cnn_doctor.diagnose`: fit the user's compiled model with `DoctorCallback`, then run what the pipeline runs
after training when the symptoms call for it (the learning-rate range test, the one-batch overfit, the learning
curve, the fix trials with `evidence.verification`), on copies of the user's model.

The experiments and trials are the pipeline's own (`cnn_doctor.doctor.examination`); `ScriptRun` gives them
the user's model and data in the shape the pipeline's `Run` does. Copies are made from the model's layers
(each layer's own class rebuilt from its config), never through Keras's serialisation registry, where a user's
unregistered custom objects cannot be found; the user's model, weights and optimizer are never changed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cnn_doctor.callback import DoctorCallback, as_arrays, class_ids, print_report
from cnn_doctor.config import DiagnoseParams, ModelParams, TrainParams
from cnn_doctor.doctor.examination import deduplicate, run_experiments, verify_fixes
from cnn_doctor.progress import interactive
from cnn_doctor.training.run import Fitted, mean_loss

TRAIN_CAP = 20_000  # training images held in memory for the experiments and fix trials


def same_class(layer):
    """A new layer of the same class and config (never looked up by name); a Lambda keeps its function."""
    import keras

    if isinstance(layer, keras.layers.Lambda):
        return keras.layers.Lambda(layer.function, arguments=layer.arguments, name=layer.name)
    return layer.__class__.from_config(layer.get_config())


def copy_of(model, sample: np.ndarray):
    """A new model with the same layers (fresh weights): Sequential and functional models layer by layer,
    a subclassed model through its own `from_config`; built on `sample`."""
    import keras

    if isinstance(model, keras.Sequential) or type(model).__name__ == "Functional":
        # cloned through an uncompiled view of the same graph: clone_model recompiles a compiled model from its
        # config, which looks the user's loss and metrics up in the registry
        view = keras.Model(model.inputs, model.outputs)
        copy = keras.models.clone_model(view, clone_function=same_class, recursive=True)
    else:
        try:
            copy = model.__class__.from_config(model.get_config())
        except Exception as error:
            raise ValueError(
                f"cannot copy the subclassed model {type(model).__name__}: give it get_config() ({error})"
            ) from error
    copy(sample[:1], training=False)
    return copy


class ScriptCopies:
    """Fresh copies of the user's model, as `ModelCopies` gives the pipeline's network."""

    def __init__(self, model, sample: np.ndarray):
        self.model, self.sample = model, sample

    def build(self, params: ModelParams | None = None, normalization=None):
        """A new copy, behind a normalisation layer when given (a fix that scales the inputs)."""
        import keras

        copy = copy_of(self.model, self.sample)
        if normalization is not None:
            copy = keras.Sequential([keras.Input(self.sample.shape[1:]), normalization, copy])
        return copy, None

    def fresh(self, weights):
        copy = copy_of(self.model, self.sample)
        copy.set_weights(weights)
        return copy


class ScriptRun:
    """The user's model and data, as the doctor's experiments and fix trials take a run."""

    def __init__(self, model, train: tuple[np.ndarray, np.ndarray], validation: tuple[np.ndarray, np.ndarray], classes):
        import tensorflow as tf

        self.model = self.core = model
        self.loss, self.user_optimizer, self.user_compiled = model.loss, model.optimizer, True
        (self.images, self.targets), self.validation, self.classes = train, validation, classes
        self.strategy, self.augmented, self.normalize = tf.distribute.get_strategy(), False, "none"
        pixels = self.images.reshape(-1, self.images.shape[-1]).astype(np.float64)
        self.mean, self.variance = pixels.mean(axis=0).tolist(), pixels.var(axis=0).tolist()
        self.copies = ScriptCopies(model, self.images)
        self.val_images = len(validation[0])

    def _batched(self, images, targets, batch_size: int, seed: int):
        import tensorflow as tf

        dataset = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), targets))
        return dataset.shuffle(len(images), seed=seed).batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def datasets(self, params: TrainParams, augment_online: bool = True):
        train = self._batched(self.images, self.targets, params.batch_size, params.seed)
        val = self._batched(*self.validation, params.batch_size, params.seed)
        return train, val, len(self.images)

    def train_subset(self, fraction: float, params: TrainParams):
        from sklearn.model_selection import train_test_split

        images, targets = self.images, self.targets
        if fraction < 1.0:
            labels = class_ids(targets)
            stratify = labels if np.bincount(labels).min() >= 2 else None
            images, _, targets, _ = train_test_split(
                images, targets, train_size=fraction, random_state=params.seed, stratify=stratify
            )
        return self._batched(images, targets, params.batch_size, params.seed)

    def probe_batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        return self.images[:size].astype(np.float32), self.targets[:size]

    def loss_function(self):
        return mean_loss(self.loss)


def diagnose(
    model,
    train_data,
    validation_data,
    *,
    epochs: int = 10,
    batch_size: int | None = None,
    out: str | Path = "doctor-report",
    verify_fix: bool = True,
) -> dict:
    """Fit the user's compiled `model` watched by the doctor, run the experiments and fix trials its symptoms
    call for, and return the report (also written to `out/report.json` and `out/report.html`).

    `train_data` and `validation_data` as `fit` takes them: `(x, y)` arrays, a `tf.data.Dataset` of batches
    or a `keras.utils.PyDataset`.
    """
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise ValueError("diagnose() needs a compiled model: call model.compile(optimizer=..., loss=...) first.")
    images, targets = as_arrays(train_data, TRAIN_CAP, name="train_data")
    batch_size = batch_size or _batch_size_of(train_data)
    if not model.built:
        model(images[:1].astype(np.float32))
    initial_weights = model.get_weights()
    doctor = DoctorCallback(validation_data, out, batch_size=batch_size, verbose=False)
    try:
        _fit(model, train_data, validation_data, epochs, batch_size, doctor)
    except Exception:
        if not doctor.stopped_by:  # not what the doctor saw coming: the user's error, as Keras raised it
            raise
    if doctor.stopped_by:  # no training step was possible: the report says why
        print_report(doctor.report, doctor.layout)
        return doctor.report
    run = ScriptRun(model, (images, targets), (doctor.images, doctor.targets), doctor.classes)
    params = doctor.trained_params.model_copy(update={"batch_size": batch_size, "epochs": epochs})
    train, val, count = run.datasets(params)
    history = doctor.history
    fitted = Fitted(run, train, val, initial_weights, history, params, ModelParams(), None, count, own_script=True)
    settings = DiagnoseParams(verify_fix=verify_fix)
    trained, experiments = run_experiments(fitted, doctor.findings, settings)
    trained, verification = verify_fixes(fitted, deduplicate(trained), doctor.layout, settings)
    doctor.findings = trained
    report = doctor.write(experiments, verification)
    print_report(report, doctor.layout)
    return report


def _fit(model, train_data, validation_data, epochs: int, batch_size: int, doctor: DoctorCallback) -> None:
    import tensorflow as tf

    arrays = isinstance(train_data, (tuple, list))
    x, y = (train_data[0], train_data[1]) if arrays else (train_data, None)
    model.fit(
        x,
        y,
        batch_size=batch_size if arrays else None,
        epochs=epochs,
        verbose=1 if interactive() else 0,
        callbacks=[doctor],
        validation_data=tuple(validation_data) if isinstance(validation_data, list) else validation_data,
        shuffle=not isinstance(train_data, tf.data.Dataset),  # a dataset shuffles itself (Keras warns, ignoring it)
    )


def _batch_size_of(train_data) -> int:
    """The batch size a dataset yields (Keras's default 32 for arrays)."""
    import tensorflow as tf

    if isinstance(train_data, (tuple, list)):
        return 32
    batch = next(iter(train_data)) if isinstance(train_data, tf.data.Dataset) else train_data[0]
    return max(1, int(len(batch[0])))
