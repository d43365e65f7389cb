"""Typed, frozen parameters: read once at the entry point, passed explicitly to every stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PARAMS_FILE = PROJECT_ROOT / "params.yaml"


class UserError(Exception):
    """A mistake in the user's input: reported as one line, never as a traceback."""


def one_line(error: BaseException, limit: int = 200) -> str:
    """An exception as one short line: its type and the first non-blank line of its message."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class DataParams(Section):
    source: str = "data/digits"
    out: str = "outputs/latest"


class ValidateParams(Section):
    min_images_per_class: int = Field(20, ge=1)
    min_total_images: int = Field(100, ge=1)
    max_imbalance_ratio: float = Field(10.0, ge=1.0)
    min_pixel_std: float = Field(1.0, ge=0.0)
    label_errors: bool = True
    label_model: Literal["cnn", "linear"] = "cnn"
    max_label_error_rate: float = Field(0.05, ge=0.0, le=1.0)
    max_leaked_share: float = Field(0.02, ge=0.0, le=1.0)
    seed: int = 42
    fail_on: tuple[str, ...] = ("critical",)
    chunk_size: int = Field(2000, ge=1)


class PreprocessParams(Section):
    image_size: tuple[int, int] = (32, 32)
    channels: Literal["auto", 1, 3] = "auto"
    normalize: Literal["unit", "standard", "none"] = "unit"
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    test_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    seed: int = 42
    shard_size: int = Field(4096, ge=1)

    @field_validator("image_size", mode="before")
    @classmethod
    def square_from_int(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return (value, value)
        return value

    @field_validator("image_size")
    @classmethod
    def positive_size(cls, value: tuple[int, int]) -> tuple[int, int]:
        if min(value) < 8 or max(value) > 1024:
            raise ValueError("each side must be between 8 and 1024 pixels")
        return value

    @model_validator(mode="after")
    def leaves_training_data(self) -> PreprocessParams:
        if self.val_fraction + self.test_fraction >= 0.9:
            raise ValueError("val_fraction + test_fraction must leave at least 10% of the images for training")
        return self


class AugmentParams(Section):
    enabled: bool = True
    balance: bool = True
    rotation: float = Field(0.03, ge=0.0, le=0.5)
    translation: float = Field(0.1, ge=0.0, le=0.5)
    zoom: float = Field(0.1, ge=0.0, le=0.9)
    flip: Literal["none", "horizontal", "vertical", "horizontal_and_vertical"] = "none"
    contrast: float = Field(0.1, ge=0.0, le=1.0)
    seed: int = 42


class ModelParams(Section):
    architecture: Literal["simple_cnn", "regularized_cnn", "resnet_small", "transfer"] = "simple_cnn"
    builder: str | None = None
    dropout: float = Field(0.3, ge=0.0, lt=1.0)
    l2: float = Field(1e-4, ge=0.0)
    kernel_initializer: str = "he_normal"
    backbone: str = "MobileNetV2"
    backbone_weights: str | None = None

    @property
    def builder_file(self) -> Path | None:
        """The Python file of `builder` (`path/to/file.py:function`), relative to the current folder."""
        return Path(self.builder.rsplit(":", 1)[0]) if self.builder else None

    @field_validator("builder")
    @classmethod
    def builder_format(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or value.rsplit(":", 1)[1] == ""):
            raise ValueError("must look like path/to/file.py:function_name")
        if value is not None and not value.rsplit(":", 1)[0].endswith(".py"):
            raise ValueError("must name a Python file ending in .py, like path/to/file.py:function_name")
        return value


class TrainParams(Section):
    optimizer: Literal["adam", "sgd", "rmsprop"] = "adam"
    learning_rate: float = Field(1e-3, gt=0.0, le=10.0)
    momentum: float = Field(0.9, ge=0.0, lt=1.0)
    lr_schedule: Literal["plateau", "cosine", "constant"] = "plateau"
    batch_size: int = Field(64, ge=1)
    epochs: int = Field(30, ge=1)
    early_stopping_patience: int = Field(6, ge=0)
    class_weight: Literal["auto", "none"] = "auto"
    seed: int = 42
    mixed_precision: Literal["auto", True, False] = "auto"
    tensorboard: bool = False
    checkpoint_seconds: float = Field(10.0, ge=0.0)


class DiagnoseParams(Section):
    probes: bool = True
    probe_batch_size: int = Field(64, ge=2)
    dead_relu_fraction: float = Field(0.9, gt=0.0, le=1.0)
    saturated_fraction: float = Field(0.5, gt=0.0, le=1.0)
    vanishing_gradient_ratio: float = Field(1e-3, gt=0.0)
    saturating_gradient_ratio: float = Field(3e-2, gt=0.0)
    exploding_gradient_norm: float = Field(1e3, gt=0.0)
    max_update_ratio: float = Field(0.1, gt=0.0)
    min_update_ratio: float = Field(1e-5, gt=0.0)
    initialization_scale_factor: float = Field(10.0, gt=1.0)
    initial_loss_tolerance: float = Field(1.0, gt=0.0)
    min_train_accuracy: float = Field(0.7, ge=0.0, le=1.0)
    fitted_train_accuracy: float = Field(0.9, ge=0.0, le=1.0)
    overfitting_gap: float = Field(0.15, gt=0.0, le=1.0)
    overfitting_loss_rise: float = Field(1.5, gt=1.0)
    augmentation_gap: float = Field(0.2, gt=0.0, le=1.0)
    lr_range_test: bool = True
    single_batch_test: bool = True
    augmentation_ablation: bool = True
    learning_curve: bool = True
    verify_fix: bool = True
    # epochs, not a share of the training time: both curves must cover the same epochs to be compared, and an
    # epoch count verifies the same thing on a laptop and on a GPU
    verify_budget: int = Field(5, ge=1)
    verify_max_fixes: int = Field(2, ge=1)


class EvaluateParams(Section):
    max_calibration_error: float = Field(0.15, gt=0.0, le=1.0)
    min_class_recall: float = Field(0.1, ge=0.0, le=1.0)
    max_test_above_train: float = Field(0.05, ge=0.0, le=1.0)


class FlowParams(Section):
    retries: int = Field(2, ge=0)
    retry_delay_seconds: float = Field(5, ge=0)
    schedule: str = "0 2 * * *"
    timezone: str = "UTC"


class Params(Section):
    data: DataParams = DataParams()
    validate_: ValidateParams = Field(ValidateParams(), alias="validate")
    preprocess: PreprocessParams = PreprocessParams()
    augment: AugmentParams = AugmentParams()
    model: ModelParams = ModelParams()
    train: TrainParams = TrainParams()
    diagnose: DiagnoseParams = DiagnoseParams()
    evaluate: EvaluateParams = EvaluateParams()
    flow: FlowParams = FlowParams()

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def validate_params(self) -> ValidateParams:
        return self.validate_

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `section.key=value` into its dotted path and its YAML-parsed value."""
    key, separator, raw_value = text.partition("=")
    if not separator or not key.strip():
        raise UserError(f"--set {_short(text)}: expected KEY=VALUE, e.g. train.learning_rate=0.01")
    try:
        value = yaml.safe_load(raw_value) if raw_value.strip() else None
    except YAML_ERRORS as error:
        raise UserError(f"--set {_short(text)}: the value is not valid YAML ({one_line(error, 160)})") from None
    return key.strip().split("."), value


# What yaml.safe_load raises on bad text: its own errors, and plain ones from its constructors
# (`2020-13-45` is a date with month 13, `!!int x`, `[[[[...` nested past the recursion limit).
YAML_ERRORS = (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError)


def apply_override(raw: dict[str, Any], path: list[str], value: Any) -> None:
    """Set one dotted key in the raw params, refusing keys that do not exist."""
    node = raw
    for depth, part in enumerate(path):
        dotted = ".".join(path[: depth + 1])
        if not isinstance(node, dict) or part not in node:
            known = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
            raise UserError(f"unknown params key {_short(dotted)} (known here: {known})")
        if depth == len(path) - 1:
            node[part] = value
        else:
            node = node[part]


def read_params_file(params_file: Path) -> dict[str, Any]:
    """Read a params YAML file into a dict, with a clear error for a missing or malformed file."""
    if not params_file.is_file():
        raise UserError(f"params file {params_file} does not exist")
    try:
        raw = yaml.safe_load(params_file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise UserError(f"params file {params_file} is not UTF-8 text") from None
    except YAML_ERRORS as error:
        raise UserError(f"params file {params_file} is not valid YAML: {one_line(error, 160)}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise UserError(f"params file {params_file} must hold a mapping of sections")
    return raw


def load_params(params_file: Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Params:
    """Load params from YAML, apply `--set` overrides and return validated, frozen params."""
    params_file = Path(params_file) if params_file else DEFAULT_PARAMS_FILE
    raw = Params().as_dict()
    for section, values in read_params_file(params_file).items():
        if section not in raw:
            raise UserError(f"{params_file}: unknown params section {_short(section)} (known: {', '.join(raw)})")
        if not isinstance(values, dict):
            raise UserError(f"{params_file}: section {section!r} must be a mapping of keys")
        for key, value in values.items():
            try:
                apply_override(raw, [section, str(key)], value)
            except UserError as error:
                raise UserError(f"{params_file}: {error}") from None
    for override in overrides:
        apply_override(raw, *parse_override(override))
    return build_params(raw, source=str(params_file))


def build_params(raw: dict[str, Any], source: str = "params") -> Params:
    """Validate a raw params dict into `Params`, turning pydantic's report into one clear line."""
    try:
        params = Params.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part).rstrip("_") for part in first["loc"] if not isinstance(part, int))
        message = " ".join(str(first["msg"]).split())
        raise UserError(f"{source}: {location}: {message} (got {_short(first.get('input'))})") from None
    unknown = [item for item in params.validate_params.fail_on if not _is_finding_selector(item)]
    if unknown:
        raise UserError(f"{source}: validate.fail_on: unknown finding id or severity {_short(unknown[0])}")
    return params


def _short(value: Any, limit: int = 80) -> str:
    """A value as it appears in an error message: its repr, on one line, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_finding_selector(item: str) -> bool:
    from cnn_doctor.findings import FINDING_IDS, SEVERITIES

    return item in SEVERITIES or item in FINDING_IDS
