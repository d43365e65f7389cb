"""The Prefect flow `train-and-diagnose`: the five stages wired together, nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from prefect import flow
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import Field

from cnn_doctor.config import Params
from cnn_doctor.layout import Layout
from cnn_doctor.orchestration import as_stage, resolve_run
from cnn_doctor.parallel import exit_with_parent
from cnn_doctor.prefect_api import FLOW_NAME
from cnn_doctor.up_to_date import record_run, run_key
from tasks.augment import augment
from tasks.evaluate import evaluate
from tasks.preprocess import preprocess
from tasks.publish import publish
from tasks.train import report_model_stop, train
from tasks.validate import fingerprint_data, report_validation_stop, validate

STAGE_TASKS = (validate, preprocess, augment, train, evaluate)


# Chunked inspection and decoding run on the flow's task runner: processes here (both cores), a Dask or Ray
# cluster with `train_and_diagnose.with_options(task_runner=DaskTaskRunner(address=...))`.
@flow(name=FLOW_NAME, log_prints=True, task_runner=ProcessPoolTaskRunner(initializer=exit_with_parent))
def train_and_diagnose(
    data: str | None = Field(
        None,
        description="Dataset: a folder of class folders or a CSV manifest (path,label[,split]). "
        "Empty: params data.source (the bundled digits).",
    ),
    out: str | None = Field(
        None, description="Output folder for the report, model and stage outputs. Empty: params data.out."
    ),
    params_file: str | None = Field(None, description="Params YAML file. Empty: the project's params.yaml."),
    overrides: list[str] = Field([], description="Params overrides as KEY=VALUE, e.g. train.learning_rate=0.01."),
    epochs: int | None = Field(None, ge=1, description="Shortcut for train.epochs."),
    learning_rate: float | None = Field(None, gt=0, description="Shortcut for train.learning_rate."),
    architecture: Literal["simple_cnn", "regularized_cnn", "resnet_small", "transfer"] | None = Field(
        None, description="Shortcut for model.architecture."
    ),
) -> dict:
    """Validate, preprocess, augment, train and evaluate an image classifier, and diagnose it."""
    shortcuts = {"train.epochs": epochs, "train.learning_rate": learning_rate, "model.architecture": architecture}
    overrides = [*overrides, *(f"{key}={value}" for key, value in shortcuts.items() if value is not None)]
    params, data_path, layout = resolve_run(params_file, overrides, data, out)
    with layout.lock():  # one run at a time per output folder, served deployments included
        fingerprint = fingerprint_data(data_path)
        result = run_stages(params, data_path, fingerprint, layout)
        record_run(layout, run_key(params, data_path, fingerprint, layout))
        return result


def run_stages(params: Params, data_path: Path, fingerprint: str, layout: Layout) -> dict:
    """The five stages as Prefect tasks, stopping at the gates; the published report's summary."""
    stage = {task.name: as_stage(task, layout, params.flow) for task in STAGE_TASKS}
    validated = stage["validate"](data_path, fingerprint, params.validate_params, layout)
    if validated["gated_by"]:
        report_validation_stop(layout)
        return publish(layout)
    prepared = stage["preprocess"](validated, params.preprocess, layout)
    augmented = stage["augment"](prepared, params.augment, layout)
    trained = stage["train"](prepared, augmented, params.model, params.train, params.diagnose, layout)
    if trained["stopped_by"]:
        report_model_stop(layout)
        return publish(layout)
    stage["evaluate"]([validated, prepared, augmented, trained], params.evaluate, layout)
    return publish(layout)
