"""Params: the real params.yaml loads; overrides, unknown keys and bad values give one clear error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cnn_doctor.config import DEFAULT_PARAMS_FILE, UserError, load_params, parse_override

REQUIRED_KEYS = [
    "validate.min_images_per_class",
    "validate.max_imbalance_ratio",
    "validate.fail_on",
    "preprocess.image_size",
    "preprocess.normalize",
    "augment.enabled",
    "augment.balance",
    "model.architecture",
    "model.builder",
    "train.optimizer",
    "train.learning_rate",
    "train.batch_size",
    "train.epochs",
    "train.early_stopping_patience",
    "train.class_weight",
    "train.seed",
]


def test_project_params_hold_every_documented_key():
    import yaml

    raw = yaml.safe_load(DEFAULT_PARAMS_FILE.read_text())
    for key in REQUIRED_KEYS:
        section, name = key.split(".")
        assert name in raw[section], key
    params = load_params()
    assert params.train.optimizer in ("adam", "sgd", "rmsprop")


def flat_keys(params: dict) -> list[str]:
    return [f"{section}.{key}" for section, values in params.items() for key in values]


def test_every_params_key_is_in_params_yaml_and_the_readme_table():
    """One list of keys: the typed params, the project's params.yaml and the README's parameter table agree."""
    import re

    import yaml

    from cnn_doctor.config import PROJECT_ROOT, Params

    typed = flat_keys(Params().as_dict())
    assert flat_keys(yaml.safe_load(DEFAULT_PARAMS_FILE.read_text())) == typed
    readme = (PROJECT_ROOT / "docs" / "parameters.md").read_text()
    documented = re.findall(r"^\| `([a-z_]+\.[a-z0-9_]+)` \|", readme, re.MULTILINE)
    assert sorted(documented) == sorted(typed)


def test_params_yaml_states_the_typed_defaults():
    """params.yaml (what DVC tracks) and the typed defaults (what a partial params file falls back to) agree,
    so there is one default per key."""
    from cnn_doctor.config import Params

    assert load_params(DEFAULT_PARAMS_FILE).as_dict() == Params().as_dict()


def test_override_sets_a_typed_value():
    params = load_params(
        overrides=[
            "train.learning_rate=0.01",
            "preprocess.image_size=[24, 20]",
            "validate.fail_on=[critical, class_imbalance]",
        ]
    )
    assert params.train.learning_rate == 0.01
    assert params.preprocess.image_size == (24, 20)
    assert params.validate_params.fail_on == ("critical", "class_imbalance")


def test_params_are_frozen():
    params = load_params()
    with pytest.raises(ValidationError, match="frozen"):
        params.train.epochs = 3


@pytest.mark.parametrize(
    "override, named",
    [
        ("train.learnin_rate=0.1", "train.learnin_rate"),
        ("trian.epochs=3", "trian"),
        ("train.epochs=many", "train.epochs"),
        ("train.epochs=-1", "train.epochs"),
        ("train.optimizer=adagrad", "train.optimizer"),
        ("preprocess.val_fraction=1.5", "preprocess.val_fraction"),
        ("model.builder=no_function_here.py", "model.builder"),
        ("validate.fail_on=[everything]", "validate.fail_on"),
    ],
)
def test_bad_override_names_the_key(override, named):
    with pytest.raises(UserError) as error:
        load_params(overrides=[override])
    assert named in str(error.value)
    assert "\n" not in str(error.value)


def test_fractions_must_leave_training_data():
    with pytest.raises(UserError, match="training"):
        load_params(overrides=["preprocess.val_fraction=0.5", "preprocess.test_fraction=0.45"])


def test_override_needs_key_and_value():
    with pytest.raises(UserError, match="KEY=VALUE"):
        parse_override("train.epochs")


def test_params_file_errors_name_the_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(UserError, match="nope.yaml"):
        load_params(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("train: [unclosed")
    with pytest.raises(UserError, match="broken.yaml"):
        load_params(broken)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("trainer:\n  epochs: 3\n")
    with pytest.raises(UserError, match="trainer"):
        load_params(unknown)


def test_partial_params_file_keeps_defaults(tmp_path):
    partial = tmp_path / "params.yaml"
    partial.write_text("train:\n  epochs: 3\n")
    params = load_params(partial)
    assert params.train.epochs == 3
    assert params.train.optimizer == "adam"
