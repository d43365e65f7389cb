"""The Prefect flow `train-and-diagnose`: the five stages wired together, nothing more."""

from __future__ import annotations

from typing import Literal

from prefect import flow
from prefect.task_runners import ProcessPoolTaskRunner
from pydantic import Field

from cnn_doctor.orchestration import handed_over, resolve_run
from cnn_doctor.parallel import exit_with_parent
from cnn_doctor.prefect_api import FLOW_NAME
from cnn_doctor.up_to_date import record_run, run_key
from flows.pipeline import prefect_calls, run_pipeline
from tasks.publish import publish
from tasks.validate import fingerprint_data


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
    run = handed_over()  # the CLI resolved, locked and fingerprinted the run already
    if run is None:
        shortcuts = {"train.epochs": epochs, "train.learning_rate": learning_rate, "model.architecture": architecture}
        overrides = [*overrides, *(f"{key}={value}" for key, value in shortcuts.items() if value is not None)]
        run = resolve_run(params_file, overrides, data, out)
    params, data_path, layout = run.params, run.data, run.layout
    with layout.lock():  # one run at a time per output folder, served deployments included (re-entrant: the CLI's)
        fingerprint = run.fingerprint or fingerprint_data(data_path)
        run_pipeline(prefect_calls(layout, params), params, data_path, fingerprint, layout)
        record_run(layout, run_key(params, data_path, fingerprint, layout))
        return publish(layout)
