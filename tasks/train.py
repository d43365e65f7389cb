"""train: fit the model on tf.data pipelines, with class weights, early stopping and resumable checkpoints."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import DiagnoseParams, ModelParams, TrainParams, one_line
from cnn_doctor.data.shards import read_shard
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
    check_model,
    check_regularization,
    check_summed_loss,
    describe_loss,
    first_step_failed,
    largest_dropout,
    loss_not_computable,
    loss_rewards_right_answers,
    loss_sums_over_the_batch,
    output_activation,
    regularization_share,
)
from cnn_doctor.doctor.probes import diagnose_probes, explodes_at_initialization, make_probe_callback
from cnn_doctor.doctor.verification import RunFacts, curve, fixes_to_verify, held, verification, with_verifications
from cnn_doctor.findings import Finding, load_findings
from cnn_doctor.layout import Layout, read_json, write_json
from cnn_doctor.progress import interactive
from cnn_doctor.quiet import import_tensorflow_quietly
from cnn_doctor.records import Augmented, Prepared, Trained, completed, record_payload
from cnn_doctor.run_context import run_logger
from cnn_doctor.training.augmentation import build_augmentation
from cnn_doctor.training.checkpoint import keep_history, make_checkpoint_callback, prepare_backup, restore_checkpoint
from cnn_doctor.training.counterfactual import same_kind, train_with_fix
from cnn_doctor.training.models import ModelCopies, build_model, normalization_layer
from cnn_doctor.training.outputs import score_splits

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
    num_classes: int = 0,
    one_hot: bool = False,
):
    """Stream uint8 shards into float batches: shuffle, augment on the fly, prefetch."""
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


def optimizer_like(params: TrainParams, user_optimizer=None):
    """For the quick experiments: a fresh optimizer of the run's kind and momentum (the user's own, when they
    compiled their model), at a given constant rate."""
    if user_optimizer is not None:
        return lambda rate: same_kind(user_optimizer, rate)
    return lambda rate: make_optimizer(params.model_copy(update={"learning_rate": rate, "lr_schedule": "constant"}), 1)


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
        self.one_hot = self.user_compiled and wants_one_hot(self.loss)
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
        options = {"num_classes": len(self.classes), "one_hot": self.one_hot, "seed": params.seed}
        train_data, count = make_dataset(
            self.train_shards, self.image_shape, params.batch_size, shuffle=True, augmentation=augmentation, **options
        )
        val_data = (
            make_dataset(self.val_shards, self.image_shape, params.batch_size, shuffle=False, **options)[0]
            if self.val_shards
            else None
        )
        return train_data, val_data, count

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
        targets = np.eye(len(self.classes), dtype=np.float32)[labels] if self.one_hot else labels
        dataset = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), targets))
        dataset = dataset.shuffle(len(images), seed=params.seed).batch(params.batch_size)
        if self.augmented:
            augmentation = self.online_augmentation()
            dataset = dataset.map(lambda x, y: (augmentation(x, training=True), y))
        return dataset.prefetch(tf.data.AUTOTUNE)

    def probe_batch(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """A fixed batch (validation images when there are some), with targets in the loss's encoding."""
        images, labels = read_shard(*(self.val_shards or self.train_shards)[0])
        images, labels = np.asarray(images[:size], dtype=np.float32), labels[:size]
        targets = np.eye(len(self.classes), dtype=np.float32)[labels] if self.one_hot else labels
        return images, targets

    def loss_function(self):
        """The loss as a function of (targets, predictions) returning the batch mean."""
        import keras

        function = keras.losses.get(self.loss) if isinstance(self.loss, str) else self.loss
        return lambda targets, predictions: keras.ops.mean(function(targets, predictions))


def check_before_training(run: Run, diagnose: DiagnoseParams, batch_size: int) -> tuple[list[Finding], str | None]:
    """Static model checks; returns the findings and, when no training step is possible, why."""
    images, targets = run.probe_batch(diagnose.probe_batch_size)
    try:
        initial_loss = float(run.loss_function()(targets, run.model(images, training=False)))
    except Exception as error:  # Keras would raise the same on the first step: report it, never crash
        reason = str(error).strip().splitlines()[-1][:300] if str(error).strip() else type(error).__name__
        return [loss_not_computable(reason, len(run.classes), run.model.output_shape)], reason
    from_logits = describe_loss(run.loss)[1]
    loss, classes = run.loss_function(), len(run.classes)
    rewards_right = loss_rewards_right_answers(loss, classes, run.one_hot, from_logits)
    summed = check_summed_loss(loss_sums_over_the_batch(loss, classes, run.one_hot, from_logits), batch_size)
    return [*check_model(run.model, run.loss, classes, images, initial_loss, diagnose, rewards_right), *summed], None


def run_experiments(
    run: Run,
    findings: list[Finding],
    initial_weights,
    train_data,
    val_data,
    history: dict,
    params: TrainParams,
    diagnose: DiagnoseParams,
) -> tuple[list[Finding], dict]:
    """The quick experiments the symptoms call for: the findings with what they settled (amended advice and
    new findings), and their results."""
    found = {finding.id for finding in findings}
    results, extra = {}, []
    if diagnose.lr_range_test and found & SYMPTOMS_FOR_LR_TEST:
        results["lr_range_test"] = test = _attempt(
            "lr_range_test",
            lambda: learning_rate_range_test(
                run.copies, initial_weights, run.loss, train_data, optimizer_like(params, run.user_optimizer)
            ),
        )
        # gradients that explode before any update blow up every rate: then the test cannot blame the rate
        if "skipped" not in test and not any(map(explodes_at_initialization, findings)):
            extra += range_test_verdict(test, params, findings, history.get("loss", []))
            findings = recommend_tested_rate(findings, test, params)
    if diagnose.single_batch_test and found & SYMPTOMS_FOR_BATCH_TEST:
        results["single_batch_test"] = _attempt(
            "single_batch_test", lambda: overfit_single_batch(run.copies, initial_weights, run.loss, train_data)
        )
    if diagnose.learning_curve and found & SYMPTOMS_FOR_LEARNING_CURVE and val_data is not None:
        results["learning_curve"] = curve = _attempt(
            "learning_curve",
            lambda: learning_curve(
                run.copies,
                initial_weights,
                run.loss,
                lambda fraction: run.train_subset(fraction, params),
                val_data,
                optimizer_like(params, run.user_optimizer),
                params.learning_rate,
                epochs=len(history.get("loss", [])),
            ),
        )
        if "skipped" not in curve:
            findings = advise_on_data(findings, curve)
    rate_too_high = any(finding.id == "learning_rate_too_high" for finding in [*findings, *extra])
    # with a rate that makes training chaotic, a rerun without augmentation differs by luck, not by augmentation
    if (
        diagnose.augmentation_ablation
        and run.augmented
        and found & SYMPTOMS_FOR_BATCH_TEST
        and val_data is not None
        and not rate_too_high
    ):
        clean_train, _, _ = run.datasets(params, augment_online=False)
        results["augmentation_ablation"] = test = _attempt(
            "augmentation_ablation",
            lambda: train_without_augmentation(
                run.copies,
                initial_weights,
                run.loss,
                clean_train,
                val_data,
                optimizer_like(params, run.user_optimizer),
                params.learning_rate,
                epochs=len(history.get("loss", [])),
            ),
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
    run: Run,
    findings: list[Finding],
    layout: Layout,
    initial_weights,
    history: dict,
    optimizer_for,
    class_weight: dict | None,
    params: TrainParams,
    model_params: ModelParams,
    diagnose: DiagnoseParams,
) -> tuple[list[Finding], dict]:
    """Try the leading cause's fix (and an equally severe second cause's) in a short training with the same data
    and seed; each tried cause gets `evidence.verification`. Healthy runs try nothing."""
    epochs_run = len(history.get("loss", []))
    if not diagnose.verify_fix or not run.val_shards or epochs_run == 0:
        return findings, {"tried": [], "skipped": [], "seconds": 0.0}
    facts = RunFacts(
        params,
        model_params,
        run.normalize,
        run.augmented,
        run.user_compiled,
        output_activation(run.core),
        epochs_run,
        final_val_accuracy=(history.get("val_accuracy") or [None])[-1],
        from_logits=describe_loss(run.loss)[1],
    )
    fixes = fixes_to_verify(judge_so_far(findings, layout, history), facts, diagnose.verify_max_fixes)
    epochs = min(diagnose.verify_budget, epochs_run)
    started, results, skipped = time.perf_counter(), {}, []
    for fix in fixes:
        try:
            trained = train_with_fix(
                fix, run, initial_weights, optimizer_for, params, model_params, epochs, class_weight
            )
        except Exception as error:  # a model the change does not fit: say so in the report, never crash
            run_logger().warning("Could not try %s for %s: %s", " ".join(fix.change), fix.finding_id, error)
            skipped.append({"finding": fix.finding_id, "change": fix.change, "reason": one_line(error)})
            continue
        without = held(history, epochs) if fix.kind == "continued" else curve(history, epochs)
        results[fix.finding_id] = verification(fix, epochs, curve(trained, epochs), without, epochs_run, run.val_images)
    seconds = round(time.perf_counter() - started, 2)
    tried = [fix.change for fix in fixes if fix.finding_id in results]
    return with_verifications(findings, results), {"tried": tried, "skipped": skipped, "seconds": seconds}


@task(name="train", cache_policy=STAGE_CACHE, persist_result=True)
def train(
    prepared: Prepared,
    augmented: Augmented,
    model_params: ModelParams,
    params: TrainParams,
    diagnose: DiagnoseParams,
    layout: Layout,
) -> Trained:
    """Fit the model, watched by the doctor's probes, and write it with its history and findings."""
    import_tensorflow_quietly()
    run = Run(layout, prepared, augmented, model_params, params)
    findings, blocker = check_before_training(run, diagnose, params.batch_size)
    summary = {
        "stage": "train",
        "model_name": run.model.name,
        "user_compiled": run.user_compiled,
        "parameters": int(run.model.count_params()),
        "devices": run.devices,
        "params": {
            "model": model_params.model_dump(mode="json"),
            "train": params.model_dump(mode="json"),
            "diagnose": diagnose.model_dump(mode="json"),
        },
    }
    if blocker:
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    train_data, val_data, train_count = run.datasets(params)
    with run.strategy.scope():
        run.model.compile(
            optimizer=run.user_optimizer or make_optimizer(params, math.ceil(train_count / params.batch_size)),
            loss=run.loss,
            metrics=["accuracy"],
        )
    initial_weights = run.model.get_weights()
    judged = as_trained(params, run.user_optimizer)  # before training: a plateau schedule lowers the rate
    probes = (
        make_probe_callback(*run.probe_batch(diagnose.probe_batch_size), run.loss_function(), run.core, run.feed)
        if diagnose.probes
        else None
    )
    resumed = None
    if prepare_backup(layout.backup, _fingerprint(prepared, augmented, model_params, params, diagnose)):
        with run.strategy.scope():
            resumed = restore_checkpoint(layout.backup, run.model)
    epochs_done = resumed["epochs_done"] if resumed else 0
    keep_history(layout.training_log, epochs_done)
    if resumed:
        run_logger().info("Resuming training after epoch %d (checkpoint in %s).", epochs_done, layout.backup)
    labels = np.concatenate([read_shard(folder, name)[1] for folder, name in run.train_shards])
    weights = class_weights(labels, len(run.classes)) if params.class_weight == "auto" else None
    started = time.perf_counter()
    try:
        run.model.fit(
            train_data,
            validation_data=val_data,
            epochs=params.epochs,
            initial_epoch=epochs_done,
            shuffle=False,
            class_weight=weights,
            callbacks=make_callbacks(params, layout, val_data is not None, [probes] if probes else [], resumed),
            verbose=1 if interactive() else 0,
        )
    except (ValueError, TypeError) as error:
        reason = str(error).strip().splitlines()[-1][:300]
        findings.append(first_step_failed(reason))
        return _write_train_outputs(layout, run, findings, {**summary, "stopped_by": "loss_activation_mismatch"})
    seconds = time.perf_counter() - started
    history = _read_history(layout.training_log)
    params = judged  # from here on the doctor judges what really ran
    findings += diagnose_curves(history, len(run.classes), params, diagnose)
    findings += check_regularization(
        regularization_share(run.model, run.loss_function(), *run.probe_batch(diagnose.probe_batch_size)),
        largest_dropout(run.model),
        max(history.get("accuracy") or [0.0]),
        diagnose,
    )
    if probes:
        findings += diagnose_probes(
            probes.records, probes.early_losses, probes.update_ratios, len(run.classes), params.learning_rate, diagnose
        )
    findings, experiments = run_experiments(
        run, findings, initial_weights, train_data, val_data, history, params, diagnose
    )
    findings, verified = verify_fixes(
        run,
        _deduplicate(findings),
        layout,
        initial_weights,
        history,
        lambda fixed: make_optimizer(fixed, math.ceil(train_count / fixed.batch_size)),
        weights,
        params,
        model_params,
        diagnose,
    )
    summary.update(
        epochs_run=len(history.get("loss", [])),
        seconds=round(seconds, 2),
        resumed=bool(resumed),
        resumed_after_epoch=epochs_done,
        train_images=train_count,
        experiments=experiments,
        verification=verified,
        probes={"records": probes.records, "early_losses": probes.early_losses, "update_ratios": probes.update_ratios}
        if probes
        else None,
    )
    outputs = score_splits(run.model, layout.stage_dir("preprocess"), prepared.shards, prepared.evaluated_split)
    return _write_train_outputs(layout, run, _deduplicate(findings), summary, outputs)


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


def _deduplicate(findings: list[Finding]) -> list[Finding]:
    """One finding per id: the first (most specific) one wins."""
    seen, unique = set(), []
    for finding in findings:
        if finding.id not in seen:
            seen.add(finding.id)
            unique.append(finding)
    return unique


def _write_train_outputs(
    layout: Layout, run: Run | None, findings: list[Finding], summary: dict, outputs: dict | None = None
) -> Trained:
    logits = run is not None and describe_loss(run.loss)[1]
    record = Trained(stopped_by=summary.get("stopped_by"), outputs_are_logits=logits)
    with layout.writing_stage("train") as folder:
        if outputs is not None:
            summary["model_saved"] = _save_model(run.model, folder / layout.model.name)
            np.savez(folder / layout.model_outputs.name, **outputs)
            shutil.copy(layout.training_log, folder / layout.history.name)
        write_json(folder / layout.findings("train").name, [finding.to_dict() for finding in findings])
        write_json(folder / layout.summary("train").name, summary)
        write_json(folder / layout.record("train").name, record_payload(record))
    shutil.rmtree(layout.backup, ignore_errors=True)
    return completed(record, layout, "train")


def _save_model(model, path: Path) -> str:
    """The whole model when Keras can serialise it, else its weights (a subclassed model without get_config)."""
    try:
        model.save(path)
        return path.name
    except Exception as error:
        weights = path.with_name("model.weights.h5")
        model.save_weights(weights)
        run_logger().warning("Saved only the weights (%s): Keras cannot save this model: %s", weights, one_line(error))
        return weights.name


def _fingerprint(
    prepared: Prepared, augmented: Augmented, model_params: ModelParams, params: TrainParams, diagnose: DiagnoseParams
) -> str:
    """What a checkpoint must match to be resumed: the input stages' contents, the params, a builder's code."""
    builder = model_params.builder_file
    parts = [
        prepared.digest,
        augmented.digest,
        *(p.model_dump(mode="json") for p in (model_params, params, diagnose)),
        hashlib.blake2b(builder.read_bytes(), digest_size=16).hexdigest() if builder and builder.is_file() else None,
    ]
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _read_history(path: Path) -> dict[str, list[float]]:
    import pandas as pd

    if not path.is_file() or path.stat().st_size == 0:
        return {}
    table = pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {column: table[column].astype(float).tolist() for column in table.columns if column != "epoch"}
