"""The Prefect flow `train-and-diagnose` under a real (test) Prefect server: runs, caches, reruns only downstream."""

from __future__ import annotations

import json

import pytest

from cnn_doctor.layout import Layout, read_json
from cnn_doctor.records import load_record

from helpers import FAST, copy_digits, tree_digest

STAGES = ["validate", "preprocess", "augment", "train", "evaluate"]


@pytest.fixture(scope="module")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def stage_states(flow_state) -> dict[str, str]:
    """The final state name (Completed, Cached, ...) of each stage task in one flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
        )
    states = {run.name.rsplit("-", 1)[0]: run.state.name for run in runs}
    return {stage: states.get(stage) for stage in STAGES}


def run_artifacts(flow_state) -> dict:
    """The artifacts a flow run published, by key."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[flow_state.state_details.flow_run_id])
            )
        )
    return {artifact.key: artifact for artifact in artifacts}


def run_flow(task_runner=None, **kwargs):
    from flows.train_and_diagnose import train_and_diagnose

    flow = train_and_diagnose.with_options(task_runner=task_runner) if task_runner else train_and_diagnose
    state = flow(**kwargs, return_state=True)
    assert state.is_completed(), state.message
    return state


@pytest.mark.slow
def test_second_run_is_cached_and_a_param_change_reruns_only_downstream(prefect_server, digits_folder, tmp_path):
    out = tmp_path / "out"
    first = run_flow(data=str(digits_folder), out=str(out), overrides=list(FAST))
    assert stage_states(first) == dict.fromkeys(STAGES, "Completed")
    report = read_json(out / "report.json")
    assert report["status"] == "completed" and report["metrics"]["test_accuracy"] > 0.5
    artifacts = run_artifacts(first)
    assert report["verdict"] in artifacts["diagnosis"].data
    assert {row["class"] for row in json.loads(artifacts["per-class-metrics"].data)} == set(map(str, range(10)))
    assert artifacts["report"].data.startswith("[") and "report.html" in artifacts["report"].data
    assert artifacts["training-progress"].data == 100.0

    second = run_flow(data=str(digits_folder), out=str(out), overrides=list(FAST))
    assert stage_states(second) == dict.fromkeys(STAGES, "Cached")

    third = run_flow(data=str(digits_folder), out=str(out), overrides=[*FAST, "augment.contrast=0.2"])
    assert stage_states(third) == {
        "validate": "Cached",
        "preprocess": "Cached",
        "augment": "Completed",
        "train": "Completed",
        "evaluate": "Completed",
    }


@pytest.mark.slow
def test_deleted_outputs_are_rebuilt_not_trusted(prefect_server, digits_folder, tmp_path):
    import shutil

    out = tmp_path / "out"
    run_flow(data=str(digits_folder), out=str(out), overrides=list(FAST))
    shutil.rmtree(out / "train")
    rerun = run_flow(data=str(digits_folder), out=str(out), overrides=list(FAST))
    assert stage_states(rerun)["train"] == "Completed"
    assert (out / "train" / "model.keras").is_file()


@pytest.mark.slow
def test_report_names_every_bad_file_and_source_is_untouched(prefect_server, digits_folder, tmp_path):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=40)
    (data / "1" / "empty.png").write_bytes(b"")
    (data / "2" / "text.png").write_text("hello")
    (data / "no_images_yet").mkdir()
    before = tree_digest(data)

    run_flow(data=str(data), out=str(tmp_path / "out"), overrides=list(FAST))

    report = read_json(tmp_path / "out" / "report.json")
    findings = {f["id"]: f for f in report["findings"]}
    assert findings["corrupt_images"]["evidence"]["files"] == ["1/empty.png", "2/text.png"]
    assert findings["empty_class"]["evidence"]["classes"] == ["no_images_yet"]
    assert report["status"] == "completed"
    assert tree_digest(data) == before


def task_run_counts(flow_state) -> dict[str, int]:
    """How many runs of each task (by name) one flow run made, completed ones only."""
    from collections import Counter

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_state.state_details.flow_run_id]))
        )
    return Counter(run.name.rsplit("-", 1)[0] for run in runs if run.state.is_completed())


def dask_task_runner():
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(
        cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    )


@pytest.mark.slow
@pytest.mark.parametrize("make_task_runner", [None, dask_task_runner], ids=["process-pool", "dask"])
def test_large_datasets_are_inspected_and_decoded_in_parallel_chunks(
    prefect_server, digits_folder, tmp_path, fast_params, make_task_runner
):
    """Chunks run as task runs on the flow's task runner (its own process pool, or a Dask cluster put in its
    place, the code unchanged), and give what one chunk in one process gives."""
    from cnn_doctor.layout import Layout
    from tasks.preprocess import preprocess
    from tasks.validate import validate

    out = tmp_path / "chunked"
    state = run_flow(
        task_runner=make_task_runner and make_task_runner(),
        data=str(digits_folder),
        out=str(out),
        overrides=[*FAST, "validate.chunk_size=400", "preprocess.shard_size=500"],
    )
    counts = task_run_counts(state)
    assert counts["inspect-images"] == 5  # 1,797 images in chunks of 400
    assert counts["load-images"] == 3  # train ~1,257 in 3 chunks of 500; val and test, one chunk each, in-process

    whole = Layout(tmp_path / "whole")
    params = fast_params()
    validated = validate.fn(digits_folder, "", params.validate_params, whole)
    preprocess.fn(validated, params.preprocess, whole)
    assert (out / "validate" / "manifest.csv").read_bytes() == whole.manifest.read_bytes()
    for split in ("train", "val", "test"):
        chunked_images, chunked_labels = split_arrays(Layout(out), split)
        whole_images, whole_labels = split_arrays(whole, split)
        assert (chunked_images == whole_images).all() and (chunked_labels == whole_labels).all()


def split_arrays(layout: Layout, split: str):
    from cnn_doctor.data.shards import read_all

    return read_all(layout.stage_dir("preprocess"), load_record(layout, "preprocess").shards[split])
