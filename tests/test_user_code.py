"""Never crash on what users write: custom layers, losses (classes and plain functions), metrics, subclassed
models, Lambda layers, logits and mixed precision, none registered for serialisation. Each gets a full report,
and the doctor's quick experiments and fix trials run on copies rebuilt from the builder (a 5.0 SGD rate calls
for them)."""

from __future__ import annotations

import textwrap

import pytest

from cnn_doctor.layout import read_json
from flows.pipeline import PLAIN_CALLS, run_pipeline

from helpers import copy_digits

USER_CODE = """
import keras
import tensorflow as tf
from keras import layers


class SummedCrossEntropy(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))


def plain_loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def plain_metric(y_true, y_pred):
    return keras.metrics.sparse_categorical_accuracy(y_true, y_pred)


class MyDense(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, shape):
        self.w = self.add_weight(shape=(shape[-1], self.units), initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, x):
        return x @ self.w + self.b


class Subclassed(keras.Model):
    def __init__(self, classes):
        super().__init__()
        self.convolution = layers.Conv2D(16, 3, activation="relu")
        self.flatten = layers.Flatten()
        self.logits = layers.Dense(classes)

    def call(self, x):
        return self.logits(self.flatten(self.convolution(x)))


def stack(input_shape, num_classes, *middle):
    return keras.Sequential([keras.Input(input_shape), *middle, layers.Conv2D(16, 3, activation="relu"),
                             layers.Flatten(), layers.Dense(num_classes, activation="softmax")])


def loss_class(input_shape, num_classes):
    model = stack(input_shape, num_classes)
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss=SummedCrossEntropy(), metrics=["accuracy"])
    return model


def loss_function_and_metric(input_shape, num_classes):
    model = stack(input_shape, num_classes)
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss=plain_loss, metrics=[plain_metric])
    return model


def custom_layer(input_shape, num_classes):
    model = keras.Sequential([keras.Input(input_shape), layers.Flatten(), MyDense(32), layers.ReLU(),
                              MyDense(num_classes), layers.Softmax()])
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss="sparse_categorical_crossentropy")
    return model


def lambda_layer(input_shape, num_classes):
    model = stack(input_shape, num_classes, layers.Lambda(lambda x: x * 2.0))
    model.compile(optimizer=keras.optimizers.SGD(5.0), loss="sparse_categorical_crossentropy")
    return model


def subclassed_logits(input_shape, num_classes):
    model = Subclassed(num_classes)
    model.compile(optimizer=keras.optimizers.SGD(5.0),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model
"""


@pytest.fixture(autouse=True)
def float32_afterwards():
    """Keras's precision policy is global: a mixed-precision run must not leak into the next test."""
    yield
    import keras

    keras.mixed_precision.set_global_policy("float32")


@pytest.fixture(scope="module")
def small_digits(digits_folder, tmp_path_factory):
    return copy_digits(digits_folder, tmp_path_factory.mktemp("data") / "digits", per_class=30)


@pytest.mark.parametrize(
    "builder, precision",
    [
        ("loss_class", "false"),
        ("loss_function_and_metric", "false"),
        ("custom_layer", "false"),
        ("lambda_layer", "false"),
        ("subclassed_logits", "false"),
        ("subclassed_logits", "true"),  # Keras wraps the user's optimizer in a LossScaleOptimizer
    ],
)
def test_user_code_gets_a_report_and_the_doctors_experiments(
    builder, precision, small_digits, tmp_path, fast_params, layout
):
    path = tmp_path / "user_code.py"
    path.write_text(textwrap.dedent(USER_CODE))
    params = fast_params("train.epochs=3", f"model.builder={path}:{builder}", f"train.mixed_precision={precision}")
    report = run_pipeline(PLAIN_CALLS, params, small_digits, "", layout).report

    assert report["status"] == "completed" and report["metrics"]["test_images"] > 0
    training = read_json(layout.summary("train"))
    assert training["experiments"], "the symptoms of a 5.0 rate call for the quick experiments"
    assert not any("skipped" in result for result in training["experiments"].values()), training["experiments"]
    assert training["verification"]["skipped"] == []
    assert report["findings_by_severity"]["critical"] + report["findings_by_severity"]["warning"] > 0
    if builder == "subclassed_logits":  # the outputs were read as logits: probabilities in the report
        assert report["metrics"]["outputs_are_logits"] and 0 < report["metrics"]["mean_confidence"] <= 1
