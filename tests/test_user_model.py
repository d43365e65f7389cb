"""Training: the user's network (model.builder, compile choices kept exactly), the built-ins, TensorBoard logs."""

from __future__ import annotations

import textwrap

import pytest

from cnn_doctor.config import UserError
from cnn_doctor.layout import read_json
from tasks.augment import augment
from tasks.preprocess import preprocess
from tasks.train import train
from tasks.validate import validate

from helpers import copy_digits

BUILDER = """
import keras

def build(input_shape, num_classes):
    model = keras.Sequential([
        keras.Input(shape=input_shape),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])
    {compile}
    return model

def not_a_model(input_shape, num_classes):
    return "a string"

def raises(input_shape, num_classes):
    raise RuntimeError("my builder is broken")
"""


@pytest.fixture
def prepared(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    params = fast_params()
    validated = validate.fn(data, "", params.validate_params, layout)
    prepared = preprocess.fn(validated, params.preprocess, layout)
    augmented = augment.fn(prepared, params.augment, layout)
    return prepared, augmented


def write_builder(tmp_path, compile_line: str) -> str:
    path = tmp_path / "my_model.py"
    path.write_text(textwrap.dedent(BUILDER).replace("{compile}", compile_line))
    return str(path)


def test_user_compiled_model_keeps_optimizer_and_loss(prepared, tmp_path, fast_params, layout):
    import keras

    builder = write_builder(
        tmp_path,
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0123), "
        'loss="categorical_crossentropy", metrics=["accuracy"])',
    )
    params = fast_params(f"model.builder={builder}:build")
    train.fn(*prepared, params.model, params.train, params.diagnose, layout)
    assert read_json(layout.summary("train"))["user_compiled"] is True
    model = keras.models.load_model(layout.model)
    assert isinstance(model.optimizer, keras.optimizers.SGD)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(0.0123)
    assert "categorical_crossentropy" in str(model.loss)


def test_uncompiled_user_model_is_compiled_from_params(prepared, tmp_path, fast_params, layout):
    import keras

    builder = write_builder(tmp_path, "pass")
    params = fast_params(f"model.builder={builder}:build", "train.optimizer=rmsprop")
    train.fn(*prepared, params.model, params.train, params.diagnose, layout)
    assert read_json(layout.summary("train"))["user_compiled"] is False
    assert isinstance(keras.models.load_model(layout.model).optimizer, keras.optimizers.RMSprop)
    assert read_json(layout.summary("train"))["epochs_run"] == 2


@pytest.mark.parametrize(
    "function, message",
    [("not_a_model", "not a keras.Model"), ("raises", "my builder is broken"), ("missing", "no function 'missing'")],
)
def test_broken_builders_are_clear_errors(prepared, tmp_path, fast_params, layout, function, message):
    builder = write_builder(tmp_path, "pass")
    params = fast_params(f"model.builder={builder}:{function}")
    with pytest.raises(UserError, match=message):
        train.fn(*prepared, params.model, params.train, params.diagnose, layout)


@pytest.mark.parametrize("architecture", ["regularized_cnn", "resnet_small", "transfer"])
def test_builtin_architectures_train(prepared, fast_params, layout, architecture):
    """Each architecture builds and trains; the doctor's experiments on a one-epoch run are other tests' job
    (on CI the transfer backbone's fix trials made this test 85 s)."""
    params = fast_params(
        f"model.architecture={architecture}",
        "train.epochs=1",
        "diagnose.lr_range_test=false",
        "diagnose.single_batch_test=false",
        "diagnose.augmentation_ablation=false",
        "diagnose.learning_curve=false",
        "diagnose.verify_fix=false",
    )
    train.fn(*prepared, params.model, params.train, params.diagnose, layout)
    summary = read_json(layout.summary("train"))
    assert summary["epochs_run"] == 1 and summary["model_name"].startswith(architecture)


def test_tensorboard_logs_only_when_asked(prepared, fast_params, layout):
    quiet = ("train.epochs=1", "diagnose.lr_range_test=false", "diagnose.single_batch_test=false")
    params = fast_params(*quiet)
    train.fn(*prepared, params.model, params.train, params.diagnose, layout)
    assert not layout.tensorboard.exists()

    params = fast_params(*quiet, "train.tensorboard=true", "train.seed=7")
    train.fn(*prepared, params.model, params.train, params.diagnose, layout)
    assert list(layout.tensorboard.glob("train/events.out.tfevents.*"))
    assert list(layout.tensorboard.glob("validation/events.out.tfevents.*"))
