"""The Prefect flow and dvc.yaml describe the same stages, reading the same params sections."""

from __future__ import annotations

import inspect

import yaml

from cnn_doctor.config import DEFAULT_PARAMS_FILE, Params
from cnn_doctor.layout import STAGES
from flows.pipeline import STAGE_TASKS

from helpers import PROJECT_ROOT

DVC_FILE = DEFAULT_PARAMS_FILE.parent / "dvc.yaml"
SECTION_OF_TYPE = {field.annotation.__name__: (field.alias or name) for name, field in Params.model_fields.items()}


def dvc_stages() -> dict:
    return yaml.safe_load(DVC_FILE.read_text())["stages"]


def test_flow_tasks_and_dvc_stages_are_the_same_list():
    assert [task.name for task in STAGE_TASKS] == list(dvc_stages()) == list(STAGES)


def test_each_dvc_stage_lists_exactly_the_params_sections_its_task_reads():
    for task in STAGE_TASKS:
        annotations = [p.annotation for p in inspect.signature(task.fn).parameters.values()]
        read = {SECTION_OF_TYPE[a] for a in annotations if a in SECTION_OF_TYPE}
        listed = {entry.split(".")[0] for entry in dvc_stages()[task.name]["params"]} - {"data"}
        assert listed == read, task.name


def test_each_stage_module_is_a_dvc_dependency_of_its_stage():
    for task in STAGE_TASKS:
        assert f"tasks/{task.name}.py" in dvc_stages()[task.name]["deps"]


def test_each_stage_writes_its_own_folder():
    for name, stage in dvc_stages().items():
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in stage["outs"]]
        assert f"${{data.out}}/{name}" in outs


def test_the_code_each_stage_runs_is_exactly_its_dvc_dependencies():
    """Prefect's cache key and DVC's dependencies see the same code, computed (the stage's transitive project
    imports): an edit anywhere a stage reaches reruns it in both, and nothing else is listed."""
    from cnn_doctor.caching import dvc_code_deps

    for name, stage in dvc_stages().items():
        listed = [dep for dep in stage["deps"] if dep.endswith(".py")]
        assert listed == dvc_code_deps(name), f"{name}: run python -m cnn_doctor.caching to rewrite its deps"


def test_a_stage_cache_key_covers_modules_it_reaches_only_through_others():
    """validate reaches the label model only through dataset_checks: its key must still cover it."""
    from cnn_doctor.caching import code_files

    assert PROJECT_ROOT / "cnn_doctor" / "doctor" / "label_errors.py" in code_files("tasks.validate")
    assert PROJECT_ROOT / "cnn_doctor" / "training" / "epoch_progress.py" in code_files("tasks.train")
