"""train: fit the model on tf.data pipelines, with class weights, early stopping and resumable checkpoints."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np

from cnn_doctor.config import ModelParams, TrainParams
from cnn_doctor.findings import Finding
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.layout import Layout, read_json, stage_digest, write_json
from cnn_doctor.progress import interactive
from tasks.augment import build_augmentation
from tasks.models import build_model, normalization_layer
from tasks.shards import read_shard

IN_MEMORY_CACHE_BYTES = 1 << 30  # cache decoded shards in RAM below this size


class TrainingFailed(Exception):
    """The model could not take a training step (for example a loss that does not fit the output)."""


def configure_devices(params: TrainParams):
    """Mixed precision on GPUs when asked or `auto`; a MirroredStrategy across several GPUs."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    use_mixed = params.mixed_precision is True or (params.mixed_precision == "auto" and bool(gpus))
    keras.mixed_precision.set_global_policy("mixed_float16" if use_mixed else "float32")
    strategy = tf.distribute.MirroredStrategy() if len(gpus) > 1 else tf.distribute.get_strategy()
    return strategy, {"gpus": len(gpus), "mixed_precision": use_mixed, "replicas": strategy.num_replicas_in_sync}


def make_dataset(shards: list[tuple[Path, str]], image_shape, batch_size: int, *, shuffle: bool, seed: int,
                 augmentation=None, num_classes: int = 0, one_hot: bool = False):
    """Stream uint8 shards into float batches: shuffle, augment on the fly, prefetch."""
    import tensorflow as tf

    count = sum(len(read_shard(folder, name)[1]) for folder, name in shards)

    def generate():
        for folder, name in shards:
            images, labels = read_shard(folder, name)
            yield np.asarray(images), labels

    dataset = tf.data.Dataset.from_generator(generate, output_signature=(
        tf.TensorSpec((None, *image_shape), tf.uint8), tf.TensorSpec((None,), tf.int32)))
    dataset = dataset.unbatch().apply(tf.data.experimental.assert_cardinality(count))
    if count * int(np.prod(image_shape)) < IN_MEMORY_CACHE_BYTES:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(min(count, 20_000), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size).map(lambda x, y: (tf.cast(x, tf.float32), y), num_parallel_calls=tf.data.AUTOTUNE)
    if augmentation is not None and augmentation.layers:
        dataset = dataset.map(lambda x, y: (augmentation(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    if one_hot:
        dataset = dataset.map(lambda x, y: (x, tf.one_hot(y, num_classes)))
    return dataset.prefetch(tf.data.AUTOTUNE), count


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


def wants_one_hot(loss) -> bool:
    """Whether a (user's) loss expects one-hot labels rather than class indices."""
    name = loss if isinstance(loss, str) else getattr(loss, "name", type(loss).__name__)
    name = str(name).lower()
    return "sparse" not in name and ("categorical" in name or "binary" in name or "hinge" in name)


def class_weights(labels: np.ndarray, num_classes: int) -> dict[int, float]:
    from sklearn.utils.class_weight import compute_class_weight

    present = np.unique(labels)
    weights = compute_class_weight("balanced", classes=present, y=labels)
    return {int(c): float(w) for c, w in zip(present, weights)} | {
        int(c): 1.0 for c in range(num_classes) if c not in present}


def make_callbacks(params: TrainParams, backup_dir: Path, has_validation: bool):
    import keras

    monitor = "val_loss" if has_validation else "loss"
    callbacks = [keras.callbacks.TerminateOnNaN(),
                 keras.callbacks.BackupAndRestore(str(backup_dir / "checkpoint")),
                 keras.callbacks.CSVLogger(str(backup_dir / "history.csv"), append=True)]
    if params.early_stopping_patience > 0:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=params.early_stopping_patience,
                                                       restore_best_weights=True))
    if params.lr_schedule == "plateau":
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, factor=0.5, patience=max(1, params.early_stopping_patience // 2), min_lr=1e-6))
    return callbacks


def prepare_backup(backup_dir: Path, fingerprint: str) -> bool:
    """Keep checkpoints only when they come from the same inputs; returns whether a resume is possible."""
    marker = backup_dir / "fingerprint.txt"
    if marker.is_file() and marker.read_text() == fingerprint:
        return True
    shutil.rmtree(backup_dir, ignore_errors=True)
    backup_dir.mkdir(parents=True)
    marker.write_text(fingerprint)
    return False


@task(name="train", cache_policy=STAGE_CACHE, persist_result=True)
def train(prepared: dict, augmented: dict, model_params: ModelParams, params: TrainParams, layout: Layout) -> dict:
    """Fit the model and write it with its history and the training findings."""
    import keras

    index = read_json(layout.stage_dir("preprocess") / "index.json")
    settings = read_json(layout.stage_dir("augment") / "augment.json")
    classes, image_shape = index["classes"], tuple(index["image_shape"])
    keras.utils.set_random_seed(params.seed)
    strategy, devices = configure_devices(params)
    with strategy.scope():
        model, user_model = build_model(model_params, image_shape, len(classes),
                                        normalization_layer(index["normalize"], index["mean"], index["variance"]))
        user_compiled = user_model is not None and user_model.compiled
        loss = user_model.loss if user_compiled else keras.losses.SparseCategoricalCrossentropy()
        one_hot = user_compiled and wants_one_hot(loss)
        optimizer = user_model.optimizer if user_compiled else None

    train_shards = [(layout.stage_dir("preprocess"), n) for n in index["splits"]["train"]["shards"]]
    train_shards += [(layout.stage_dir("augment"), n) for n in settings["extra_shards"]]
    augmentation = build_augmentation(settings["transforms"], settings["seed"]) if settings["enabled"] else None
    train_data, train_count = make_dataset(train_shards, image_shape, params.batch_size, shuffle=True,
                                           seed=params.seed, augmentation=augmentation,
                                           num_classes=len(classes), one_hot=one_hot)
    val_names = index["splits"]["val"]["shards"]
    val_data = make_dataset([(layout.stage_dir("preprocess"), n) for n in val_names], image_shape,
                            params.batch_size, shuffle=False, seed=params.seed, num_classes=len(classes),
                            one_hot=one_hot)[0] if val_names else None
    steps_per_epoch = math.ceil(train_count / params.batch_size)
    with strategy.scope():
        model.compile(optimizer=optimizer or make_optimizer(params, steps_per_epoch), loss=loss, metrics=["accuracy"])

    labels = np.concatenate([read_shard(folder, name)[1] for folder, name in train_shards])
    weights = class_weights(labels, len(classes)) if params.class_weight == "auto" else None
    fingerprint = _fingerprint(prepared, augmented, model_params, params)
    resumed = prepare_backup(layout.backup, fingerprint)
    started = time.perf_counter()
    try:
        model.fit(train_data, validation_data=val_data, epochs=params.epochs, class_weight=weights, shuffle=False,
                  callbacks=make_callbacks(params, layout.backup, val_data is not None),
                  verbose=1 if interactive() else 2)
    except (ValueError, TypeError) as error:
        raise TrainingFailed(f"the model could not train on these labels: {str(error).strip().splitlines()[-1]}")
    seconds = time.perf_counter() - started

    history = _read_history(layout.backup / "history.csv")
    findings = diagnose_training(history, len(classes), params)
    summary = {"stage": "train", "epochs_run": len(history.get("loss", [])), "seconds": round(seconds, 2),
               "resumed": resumed, "train_images": train_count, "devices": devices,
               "parameters": int(model.count_params()), "model_name": model.name,
               "user_compiled": user_compiled, "params": {"model": model_params.model_dump(mode="json"),
                                                          "train": params.model_dump(mode="json")}}
    with layout.writing_stage("train") as folder:
        model.save(folder / layout.model.name)
        shutil.copy(layout.backup / "history.csv", folder / layout.history.name)
        write_json(folder / layout.findings("train").name, [finding.to_dict() for finding in findings])
        write_json(folder / layout.summary("train").name, summary)
    shutil.rmtree(layout.backup, ignore_errors=True)
    return {**summary, "digest": stage_digest(layout, "train")}


def _fingerprint(*parts) -> str:
    text = json.dumps([p.model_dump(mode="json") if hasattr(p, "model_dump") else p for p in parts],
                      sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _read_history(path: Path) -> dict[str, list[float]]:
    import pandas as pd

    if not path.is_file() or path.stat().st_size == 0:
        return {}
    table = pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {column: table[column].astype(float).tolist() for column in table.columns if column != "epoch"}


def diagnose_training(history: dict[str, list[float]], num_classes: int, params: TrainParams) -> list[Finding]:
    """First-order training findings from the epoch curves (the probes add more)."""
    findings = []
    losses = history.get("loss", [])
    if not losses or any(not math.isfinite(value) for value in losses):
        findings.append(Finding(
            "loss_diverged", "critical", "train",
            "The training loss became NaN or infinite; training was stopped.",
            f"Lower train.learning_rate (now {params.learning_rate:g}), e.g. by 10x.",
            {"loss": losses}))
        return findings
    val_accuracy = history.get("val_accuracy", [])
    if val_accuracy:
        chance = 1.0 / num_classes
        if max(val_accuracy) < chance + max(0.05, chance * 0.5):
            findings.append(Finding(
                "not_learning", "critical", "train",
                f"Validation accuracy never rose above {max(val_accuracy):.2f} (chance is {chance:.2f}).",
                "Check the labels and the input scaling, then the learning rate (train.learning_rate).",
                {"val_accuracy": val_accuracy, "chance": chance}))
    return findings
