"""The doctor inside a user's own training script: plain Keras `fit` calls that never touch the pipeline,
watched by `cnn_doctor.DoctorCallback` or run through `cnn_doctor.diagnose` (issue 25)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from helpers import PROJECT_ROOT, serious

keras = pytest.importorskip("keras")

EPOCHS = 8
HEALTHY_EPOCHS = 30  # a healthy run trained to the end: fewer epochs leave it rightly `undertrained`


@pytest.fixture(scope="module")
def digits():
    """scikit-learn's scanned digits as 8x8 grey images in 0-255, split 75/25."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    loaded = load_digits()
    images = (loaded.images[..., None] * (255 / 16)).astype("float32")
    return train_test_split(images, loaded.target, test_size=0.25, random_state=0)


def network(output="softmax", hidden="relu", scaled=True, initializer="glorot_uniform", batch_norm=False):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((8, 8, 1)), *([keras.layers.Rescaling(1 / 255)] if scaled else [])]
    layers.append(keras.layers.Conv2D(16, 3, padding="same", activation=hidden, kernel_initializer=initializer))
    layers += [keras.layers.BatchNormalization()] if batch_norm else []
    layers += [
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation=hidden, kernel_initializer=initializer),
        keras.layers.Dense(10, activation=output, kernel_initializer=initializer),
    ]
    return keras.Sequential(layers)


def fit_with_doctor(model, optimizer, loss, digits, out, *, one_hot=False, as_dataset=False, epochs=EPOCHS):
    from cnn_doctor import DoctorCallback

    x_train, x_val, y_train, y_val = digits
    if one_hot:
        y_train, y_val = np.eye(10)[y_train], np.eye(10)[y_val]
    keras.utils.set_random_seed(0)
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    if as_dataset:
        import tensorflow as tf

        train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(2000, seed=0).batch(32)
        validation = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(64)
        doctor = DoctorCallback(validation_data=validation, out=out, verbose=False)
        model.fit(train, validation_data=validation, epochs=epochs, callbacks=[doctor], verbose=0, shuffle=False)
    else:
        doctor = DoctorCallback(validation_data=(x_val, y_val), out=out, verbose=False)
        model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, callbacks=[doctor], verbose=0)
    return doctor


def findings_of(report: dict) -> dict[str, dict]:
    return {finding["id"]: finding for finding in report["findings"]}


def test_a_healthy_script_with_logits_gets_no_warning_and_the_same_report_on_disk(digits, tmp_path):
    logits = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model, out = network(output=None), tmp_path / "report"
    doctor = fit_with_doctor(model, keras.optimizers.Adam(1e-3), logits, digits, out, epochs=HEALTHY_EPOCHS)
    report = doctor.report
    assert not serious(findings_of(report)), report["verdict"]
    assert report["metrics"]["test_accuracy"] >= 0.9 and report["metrics"]["outputs_are_logits"] is True
    assert report["metrics"]["mean_confidence"] <= 1.0  # logits read as probabilities, not as scores
    assert json.loads((tmp_path / "report" / "report.json").read_text())["verdict"] == report["verdict"]
    assert "validation accuracy" in report["verdict"]
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Learning curves" in html and "Confusion matrix" in html


def test_a_healthy_batch_norm_script_on_tf_data_with_one_hot_labels_gets_no_warning(digits, tmp_path):
    model = network(batch_norm=True)
    loss, optimizer = "categorical_crossentropy", keras.optimizers.Adam(1e-3)
    doctor = fit_with_doctor(
        model, optimizer, loss, digits, tmp_path, one_hot=True, as_dataset=True, epochs=HEALTHY_EPOCHS
    )
    assert not serious(findings_of(doctor.report)), doctor.report["verdict"]
    assert doctor.report["metrics"]["test_images"] == len(digits[1])


FAULTS = {
    # name: (model, optimizer, loss, the cause the report must lead with)
    "rate_far_too_high": (lambda: network(), lambda: keras.optimizers.SGD(3.0), "learning_rate_too_high"),
    "rate_far_too_low": (lambda: network(), lambda: keras.optimizers.SGD(1e-5), "learning_rate_too_low"),
    "unscaled_inputs": (lambda: network(scaled=False), lambda: keras.optimizers.Adam(1e-3), "missing_normalization"),
    "relu_output": (lambda: network(output="relu"), lambda: keras.optimizers.Adam(1e-3), "loss_activation_mismatch"),
    "huge_initial_weights": (
        lambda: network(initializer=keras.initializers.RandomNormal(stddev=3.0)),
        lambda: keras.optimizers.Adam(1e-3),
        "poor_initialization",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_in_the_model_or_the_training_leads_the_report(fault, digits, tmp_path):
    build, optimizer, cause = FAULTS[fault]
    doctor = fit_with_doctor(build(), optimizer(), "sparse_categorical_crossentropy", digits, tmp_path)
    assert doctor.report["leading_finding"] == cause, [f["id"] for f in doctor.report["findings"]]


class LogOfNegatives(keras.layers.Layer):
    """A user's unregistered custom layer that turns into NaN once its inputs go negative."""

    def call(self, inputs):
        return keras.ops.log(inputs)


def test_a_nan_loss_stops_training_and_names_the_first_layer_and_step(digits, tmp_path):
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.Flatten(),
            keras.layers.Dense(32),
            LogOfNegatives(),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    doctor = fit_with_doctor(model, keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", digits, tmp_path)
    diverged = findings_of(doctor.report)["loss_diverged"]
    where = diverged["evidence"]["first_non_finite"]
    assert where["layer"] == model.layers[3].name and where["part"] == "output" and where["step"] >= 1
    assert doctor.report["training"]["epochs_run"] == 1  # stopped at once, not EPOCHS epochs of NaN
    assert doctor.report["leading_finding"] == "loss_diverged"  # the NaN is the layer's, not an explosion


def test_a_loss_that_cannot_take_the_labels_is_reported_before_keras_fails(digits, tmp_path):
    from cnn_doctor import DoctorCallback

    x_train, x_val, y_train, y_val = digits
    model = network()
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # sparse labels under a one-hot loss
    doctor = DoctorCallback(validation_data=(x_val, y_val), out=tmp_path, verbose=False)
    with pytest.raises(ValueError):
        model.fit(x_train, y_train, epochs=1, callbacks=[doctor], verbose=0)
    assert doctor.report["leading_finding"] == "loss_activation_mismatch"
    assert doctor.report["status"] == "stopped_by_model_check"

    import cnn_doctor

    report = cnn_doctor.diagnose(model, (x_train, y_train), (x_val, y_val), epochs=1, out=tmp_path / "diagnose")
    assert report["status"] == "stopped_by_model_check"  # diagnose() returns the report instead of the error


def test_diagnose_verifies_the_fix_of_a_rate_far_too_high(digits, tmp_path):
    import cnn_doctor

    x_train, x_val, y_train, y_val = digits
    keras.utils.set_random_seed(0)
    model = network()
    model.compile(optimizer=keras.optimizers.SGD(3.0), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    weights_before = [w.copy() for w in model.get_weights()]
    report = cnn_doctor.diagnose(model, (x_train, y_train), (x_val, y_val), epochs=6, out=tmp_path)
    leading = report["findings"][0]
    assert leading["id"] == "learning_rate_too_high"
    assert leading["evidence"]["verification"]["gain"] >= 0.3
    assert report["verified_fix"]["finding"] == "learning_rate_too_high"
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(3.0)  # the user's optimizer untouched
    assert any(not np.array_equal(a, b) for a, b in zip(weights_before, model.get_weights()))  # it was their fit


class SummedCrossEntropy(keras.losses.Loss):
    """A user's unregistered loss class (the kind Keras's serialisation cannot find)."""

    def call(self, y_true, y_pred):
        return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


class SmallNet(keras.Model):
    """A subclassed model with no get_config: the doctor cannot copy it, and must say so, not crash."""

    def __init__(self):
        super().__init__()
        self.flatten, self.hidden = keras.layers.Flatten(), keras.layers.Dense(32, activation="relu")
        self.out = keras.layers.Dense(10, activation="softmax")

    def call(self, inputs):
        return self.out(self.hidden(self.flatten(inputs / 255.0)))


def test_diagnose_gives_a_report_for_a_subclassed_model_with_a_custom_loss_on_a_dataset(digits, tmp_path):
    import tensorflow as tf

    import cnn_doctor

    x_train, x_val, y_train, y_val = digits
    keras.utils.set_random_seed(0)
    model = SmallNet()
    model.compile(optimizer=keras.optimizers.SGD(1e-5), loss=SummedCrossEntropy(), metrics=["accuracy"])
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32)
    report = cnn_doctor.diagnose(model, train, (x_val, y_val), epochs=4, out=tmp_path)
    assert report["leading_finding"] == "learning_rate_too_low"
    assert (tmp_path / "report.html").is_file()


def test_the_readme_example_script_runs(tmp_path):
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "examples" / "own_script.py")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "cnn-doctor: Healthy" in result.stdout
    assert json.loads((tmp_path / "doctor-report" / "report.json").read_text())["findings_by_severity"]["warning"] == 0


class UnscaledNet(SmallNet):
    def call(self, inputs):
        return self.out(self.hidden(self.flatten(inputs)))


def test_the_input_scale_of_a_subclassed_model_is_read_in_its_own_call(digits):
    """A subclassed model's layer list is not its call order: what reaches its first weights is recorded in a
    real forward pass, so scaling in `call` counts and its absence is caught."""
    from cnn_doctor.doctor.model_checks import check_input_scaling

    images = digits[1][:32]
    assert [f.id for f in check_input_scaling(UnscaledNet(), images)] == ["missing_normalization"]
    assert check_input_scaling(SmallNet(), images) == []


def plain_cross_entropy(y_true, y_pred):
    """A user's loss as a plain function, unregistered."""
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def share_right(y_true, y_pred):
    """A user's metric as a plain function, unregistered."""
    labels = keras.ops.cast(keras.ops.reshape(y_true, [-1]), "int32")
    return keras.ops.mean(keras.ops.cast(keras.ops.cast(keras.ops.argmax(y_pred, -1), "int32") == labels, "float32"))


def test_a_functional_model_under_mixed_precision_with_a_plain_function_loss_and_metric(digits, tmp_path):
    import cnn_doctor

    x_train, x_val, y_train, y_val = digits
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        keras.utils.set_random_seed(0)
        inputs = keras.Input((8, 8, 1))
        hidden = keras.layers.Dense(32, activation="relu")(
            keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(inputs))
        )
        outputs = keras.layers.Dense(10, activation="softmax", dtype="float32")(hidden)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer=keras.optimizers.SGD(1e-5), loss=plain_cross_entropy, metrics=[share_right])
        report = cnn_doctor.diagnose(model, (x_train, y_train), (x_val, y_val), epochs=4, out=tmp_path)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert report["leading_finding"] == "learning_rate_too_low"
    assert "lr_range_test" in report["training"]["experiments"]
    assert "skipped" not in report["training"]["experiments"]["lr_range_test"]


@pytest.fixture(scope="module")
def fashion_photos():
    """1,500 Fashion-MNIST training photos (150 a class), 28x28 grey in 0-255, split 75/25: harder than the
    digits. Needs Debian's dataset-fashion-mnist (make system-deps)."""
    from sklearn.model_selection import train_test_split

    from cnn_doctor.data.fashion_mnist import first_per_class, read_split

    images, labels = read_split("train")
    chosen = first_per_class(labels, 150)
    images, labels = images[chosen][..., None].astype("float32"), labels[chosen].astype(int)
    return train_test_split(images, labels, test_size=0.25, random_state=0, stratify=labels)


def photo_network(scaled=True):
    keras.utils.set_random_seed(0)
    layers = [keras.Input((28, 28, 1)), *([keras.layers.Rescaling(1 / 255)] if scaled else [])]
    layers += [keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.MaxPooling2D(), keras.layers.Flatten()]
    return keras.Sequential([*layers, keras.layers.Dense(10, activation="softmax")])


@pytest.mark.parametrize(
    "build, optimizer, cause",
    [
        (lambda: photo_network(scaled=False), lambda: keras.optimizers.Adam(1e-3), "missing_normalization"),
        (photo_network, lambda: keras.optimizers.SGD(3.0), "learning_rate_too_high"),
    ],
    ids=["unscaled-photos", "rate-far-too-high"],
)
def test_a_fault_on_photos_leads_the_report_from_a_tf_data_pipeline(build, optimizer, cause, fashion_photos, tmp_path):
    doctor = fit_with_doctor(
        build(), optimizer(), "sparse_categorical_crossentropy", fashion_photos, tmp_path, as_dataset=True, epochs=4
    )
    assert doctor.report["leading_finding"] == cause, [f["id"] for f in doctor.report["findings"]]


def test_a_fit_without_metrics_or_validation_gets_its_validation_curve_from_the_callback(digits, tmp_path):
    from cnn_doctor import DoctorCallback

    x_train, x_val, y_train, y_val = digits
    model = network()
    model.compile(optimizer=keras.optimizers.SGD(3.0), loss="sparse_categorical_crossentropy")  # no metrics
    doctor = DoctorCallback(validation_data=(x_val, y_val), out=tmp_path, verbose=False)
    model.fit(x_train, y_train, epochs=4, callbacks=[doctor], verbose=0)  # no validation_data either
    assert len(doctor.history["val_accuracy"]) == len(doctor.history["val_loss"]) == 4
    assert doctor.report["leading_finding"] == "learning_rate_too_high"
