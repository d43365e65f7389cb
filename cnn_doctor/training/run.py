"""The training machinery one run needs: devices, the tf.data pipelines, the optimizer (the params' or the
user's), class weights, callbacks, and `Run` (model, loss, datasets, probe batch) that the train stage, the
doctor's experiments and the fix trials share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cnn_doctor.config import ModelParams, TrainParams
from cnn_doctor.data.shards import read_shard
from cnn_doctor.layout import Layout
from cnn_doctor.records import Augmented, Prepared
from cnn_doctor.training.augmentation import build_augmentation
from cnn_doctor.training.checkpoint import make_checkpoint_callback
from cnn_doctor.training.models import ModelCopies, build_model, normalization_layer

IN_MEMORY_CACHE_BYTES = 1 << 30  # cache decoded shards in RAM below this size
LEARNING_CURVE_CAP = 20_000  # images per shard the learning curve uses at most


def configure_devices(params: TrainParams):
    """Mixed precision on GPUs when asked or `auto`; a MirroredStrategy across several GPUs."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    use_mixed = params.mixed_precision is True or (params.mixed_precision == "auto" and bool(gpus))
    keras.mixed_precision.set_global_policy("mixed_float16" if use_mixed else "float32")
    strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    return strategy, {"gpus": len(gpus), "mixed_precision": use_mixed, "replicas": strategy.num_replicas_in_sync}


def make_dataset(
    shards: list[tuple[Path, str]],
    image_shape,
    batch_size: int,
    *,
    shuffle: bool,
    seed: int,
    augmentation=None,
):
    """Stream uint8 shards into float batches with class-id labels: shuffle, augment on the fly, prefetch."""
    import tensorflow as tf

    count = sum(len(read_shard(folder, name)[1]) for folder, name in shards)

    def generate():
        for folder, name in shards:
            images, labels = read_shard(folder, name)
            yield np.asarray(images), labels

    dataset = tf.data.Dataset.from_generator(
        generate, output_signature=(tf.TensorSpec((None, *image_shape), tf.uint8), tf.TensorSpec((None,), tf.int32))
    )
    dataset = dataset.unbatch().apply(tf.data.experimental.assert_cardinality(count))
    if count * int(np.prod(image_shape)) < IN_MEMORY_CACHE_BYTES:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(min(count, 20_000), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(
        lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE
    )
    if augmentation is not None and augmentation.layers:
        dataset = dataset.map(lambda x, y: (augmentation(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE), count


def with_one_hot(dataset, num_classes: int):
    """The batches with one-hot rows for labels (what a categorical loss takes)."""
    import tensorflow as tf

    return dataset.map(lambda x, y: (x, tf.one_hot(y, num_classes)), num_parallel_calls=tf.data.AUTOTUNE)


def with_label_column(dataset):
    """The batches with each label as a one-value 0/1 row (what a single output unit for two classes takes)."""
    import tensorflow as tf

    return dataset.map(lambda x, y: (x, tf.cast(y, tf.float32)[:, None]), num_parallel_calls=tf.data.AUTOTUNE)


def make_optimizer(params: TrainParams, steps_per_epoch: int):
    import keras

    rate = params.learning_rate
    if params.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=max(1, steps_per_epoch * params.epochs))
    if params.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=params.momentum)
    if params.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(rate, momentum=params.momentum)
    return keras.optimizers.Adam(rate)


def optimizer_like(params: TrainParams, user_optimizer=None):
    """For the quick experiments: a fresh optimizer of the run's kind and momentum (the user's own, when they
    compiled their model), at a given constant rate."""
    if user_optimizer is not None:
        return lambda rate: same_kind(user_optimizer, rate)
    return lambda rate: make_optimizer(params.model_copy(update={"learning_rate": rate, "lr_schedule": "constant"}), 1)


def same_kind(optimizer, learning_rate: float | None):
    """A fresh optimizer of the same kind and settings (another learning rate when given). Under mixed precision
    Keras wraps the user's optimizer in a LossScaleOptimizer: the copy is of the inner one (compile wraps it
    again)."""
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    config = optimizer.get_config()
    if learning_rate is not None:
        config["learning_rate"] = learning_rate
    return type(optimizer).from_config(config)


USER_OPTIMIZERS = {"SGD": "sgd", "Adam": "adam", "RMSprop": "rmsprop"}


def as_trained(params: TrainParams, user_optimizer) -> TrainParams:
    """The settings training really ran with: a user's compiled optimizer replaces train.optimizer,
    train.learning_rate and train.momentum (the doctor judges the rate that was used, not the params')."""
    if user_optimizer is None:
        return params
    user_optimizer = getattr(user_optimizer, "inner_optimizer", user_optimizer)  # mixed precision wraps it
    rate = float(np.asarray(user_optimizer.learning_rate))
    update = {"learning_rate": min(max(rate, 1e-12), 10.0)}
    kind = USER_OPTIMIZERS.get(type(user_optimizer).__name__)
    if kind:
        momentum = float(user_optimizer.get_config().get("momentum") or 0.0)
        update |= {"optimizer": kind, "momentum": min(momentum, 0.99)} if kind != "adam" else {"optimizer": kind}
    return params.model_copy(update=update)


def wants_one_hot(loss) -> bool:
    """Whether a (user's) loss expects one-hot labels rather than class indices."""
    # a Keras loss object has a name; a plain function (keras.losses.categorical_crossentropy) its __name__
    name = (
        loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", type(loss).__name__)
    )
    name = str(name).lower()
    return "sparse" not in name and ("categorical" in name or "binary" in name or "hinge" in name)


def label_encoding(loss, output_units: int, num_classes: int) -> str:
    """How the user's compiled loss takes labels: "column" (one output unit for two classes, the common
    `Dense(1, "sigmoid")` binary model: the label as a 0/1 value), "one_hot" or "index"."""
    if output_units == 1 and num_classes == 2:
        return "column"
    return "one_hot" if wants_one_hot(loss) else "index"


def class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    return {int(c): float(w) for c, w in zip(present, weights)} | {
        int(c): 1.0 for c in range(num_classes) if c not in present
    }


def make_callbacks(params: TrainParams, layout: Layout, has_validation: bool, extra: list, resumed: dict | None = None):
    import keras

    from cnn_doctor.training.epoch_progress import EpochProgress

    backup_dir = layout.backup
    monitor = "val_loss" if has_validation else "loss"
    # The history row of an epoch is written before its checkpoint, so a checkpoint always has its row.
    callbacks = [
        *extra,
        EpochProgress(params.epochs),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.CSVLogger(str(layout.training_log), append=True),
    ]
    if params.early_stopping_patience > 0:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=params.early_stopping_patience, restore_best_weights=True
            )
        )
    if params.lr_schedule == "plateau":
        callbacks.append(
            keras.callbacks.ReduceLROnPlateau(
                monitor=monitor, factor=0.5, patience=max(1, params.early_stopping_patience // 2), min_lr=1e-6
            )
        )
    if params.tensorboard:
        callbacks.append(keras.callbacks.TensorBoard(log_dir=str(layout.tensorboard)))
    # last: it saves the state the callbacks above reached at the end of the epoch, and restores theirs on resume
    callbacks.append(make_checkpoint_callback(backup_dir, list(callbacks), resumed, params.checkpoint_seconds))
    return callbacks


class Run:
    """Everything one training run needs: model, data, loss, probe batch."""

    def __init__(
        self, layout: Layout, prepared: Prepared, augmented: Augmented, model_params: ModelParams, params: TrainParams
    ):
        import keras

        self.augmentation = augmented
        self.classes, self.image_shape = list(prepared.classes), tuple(prepared.image_shape)
        self.normalize, self.mean, self.variance = prepared.normalize, prepared.mean, prepared.variance
        keras.utils.set_random_seed(params.seed)
        self.strategy, self.devices = configure_devices(params)
        normalization = normalization_layer(prepared.normalize, prepared.mean, prepared.variance)
        with self.strategy.scope():
            self.model, user_model = build_model(model_params, self.image_shape, len(self.classes), normalization)
        self.copies = ModelCopies(model_params, self.image_shape, len(self.classes), normalization, self.strategy)
        self.user_compiled = user_model is not None and user_model.compiled
        self.loss = user_model.loss if self.user_compiled else keras.losses.SparseCategoricalCrossentropy()
        units = int(user_model.output_shape[-1]) if self.user_compiled and hasattr(user_model, "output_shape") else 0
        self.encoding = label_encoding(self.loss, units, len(self.classes)) if self.user_compiled else "index"
        self.user_optimizer = user_model.optimizer if self.user_compiled else None
        self.core = user_model or self.model  # the network whose layers the probes watch
        # What the watched network receives: a user's model sits behind our normalisation layer.
        self.feed = normalization if user_model and normalization else keras.layers.Identity()
        self.train_shards = [(layout.stage_dir("preprocess"), n) for n in prepared.shards["train"]]
        self.train_shards += [(layout.stage_dir("augment"), n) for n in augmented.extra_shards]
        self.val_shards = [(layout.stage_dir("preprocess"), n) for n in prepared.shards["val"]]
        self.val_images = prepared.counts.get("val", 0)

    @property
    def augmented(self) -> bool:
        return self.augmentation.transforms_online

    def online_augmentation(self):
        return build_augmentation(self.augmentation.transforms, self.augmentation.seed)

    def datasets(self, params: TrainParams, augment_online: bool = True):
        augmentation = self.online_augmentation() if (self.augmented and augment_online) else None
        train_data, count = make_dataset(
            self.train_shards,
            self.image_shape,
            params.batch_size,
            shuffle=True,
            seed=params.seed,
            augmentation=augmentation,
        )
        val_data = (
            make_dataset(self.val_shards, self.image_shape, params.batch_size, shuffle=False, seed=params.seed)[0]
            if self.val_shards
            else None
        )
        return self.encoded(train_data), self.encoded(val_data), count

    @property
    def one_hot(self) -> bool:
        return self.encoding == "one_hot"

    def encoded(self, dataset):
        """Labels as the loss takes them (one-hot rows for a categorical loss); None stays None."""
        if dataset is None or self.encoding == "index":
            return dataset
        return with_one_hot(dataset, len(self.classes)) if self.one_hot else with_label_column(dataset)

    def targets(self, labels: np.ndarray) -> np.ndarray:
        """Class indices as the loss takes them (what `encoded` does to a dataset's labels)."""
        if self.encoding == "column":
            return labels.astype(np.float32)[:, None]
        return np.eye(len(self.classes), dtype=np.float32)[labels] if self.one_hot else labels

    def train_subset(self, fraction: float, params: TrainParams):
        """A fixed, stratified share of the training images (for the learning curve), augmented as in training."""
        import tensorflow as tf
        from sklearn.model_selection import train_test_split

        images = np.concatenate([np.asarray(read_shard(f, n)[0][:LEARNING_CURVE_CAP]) for f, n in self.train_shards])
        labels = np.concatenate([read_shard(f, n)[1][:LEARNING_CURVE_CAP] for f, n in self.train_shards])
        if fraction < 1.0:
            images, _, labels, _ = train_test_split(
                images,
                labels,
                train_size=fraction,
                random_state=params.seed,
                stratify=labels if np.bincount(labels).min() >= 2 else None,
            )
        dataset = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), self.targets(labels)))
        dataset = dataset.shuffle(len(images), seed=params.seed).batch(params.batch_size)
        if self.augmented:
            augmentation = self.online_augmentation()
            dataset = dataset.map(lambda x, y: (augmentation(x, training=True), y))
        return dataset.prefetch(tf.data.AUTOTUNE)

    def probe_batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """A fixed batch (validation images when there are some), with targets in the loss's encoding."""
        images, labels = read_shard(*(self.val_shards or self.train_shards)[0])
        return np.asarray(images[:size], dtype=np.float32), self.targets(labels[:size])

    def batch_statistics_watch(self, from_logits: bool):
        """A callback that scores a validation sample with batch and with moving statistics on the weights
        training ends with (None for a network without batch normalisation)."""
        from cnn_doctor.training.outputs import has_batch_normalization

        if not has_batch_normalization(self.model):
            return None
        from cnn_doctor.training.batch_statistics import SAMPLE, BatchStatisticsAtEnd

        images, labels = read_shard(*(self.val_shards or self.train_shards)[0])
        return BatchStatisticsAtEnd(np.asarray(images[:SAMPLE], dtype=np.float32), labels[:SAMPLE], from_logits)

    def loss_function(self):
        return mean_loss(self.loss)


def mean_loss(loss):
    """A compiled loss (a name, a Keras loss or a user's function) as a function of (targets, predictions)
    returning the batch mean."""
    import keras

    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    return lambda targets, predictions: keras.ops.mean(function(targets, predictions))


def optimizer_steps(model) -> int | None:
    """The weight updates the model's optimizer has made (None when it keeps no count)."""
    try:
        return int(model.optimizer.iterations)
    except (AttributeError, TypeError, ValueError):
        return None


def read_history(path: Path) -> dict[str, list[float]]:
    import pandas as pd

    if not path.is_file() or path.stat().st_size == 0:
        return {}
    table = pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {column: table[column].astype(float).tolist() for column in table.columns if column != "epoch"}


@dataclass(frozen=True)
class Fitted:
    """A finished training run, as the doctor's quick experiments and fix trials take it: the run, its
    datasets, the weights it started from, its history, and the settings it really trained with."""

    run: Run
    train_data: object
    val_data: object
    initial_weights: list
    history: dict
    params: TrainParams  # as trained: a user's compiled optimizer's rate, not train.*
    model_params: ModelParams
    class_weight: dict | None
    train_images: int
    own_script: bool = False  # a user's own fit (cnn_doctor.diagnose), not the pipeline's train stage

    @property
    def epochs_run(self) -> int:
        return len(self.history.get("loss", []))

    def optimizer(self, params: TrainParams | None = None):
        """A fresh optimizer for other settings (the run's own schedule over its own steps)."""
        chosen = params or self.params
        return make_optimizer(chosen, math.ceil(self.train_images / chosen.batch_size))

    def optimizer_at(self, rate: float):
        """A fresh optimizer of the run's kind (the user's own, when they compiled their model) at a constant rate."""
        return optimizer_like(self.params, self.run.user_optimizer)(rate)
