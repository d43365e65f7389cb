"""validate: inspect every image, check the dataset against Great Expectations suites, decide the gate."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pandas as pd
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import PROJECT_ROOT, ValidateParams
from cnn_doctor.data.decoding import inspect_chunk
from cnn_doctor.data.sources import Source, fingerprint_source, read_source
from cnn_doctor.doctor.dataset_checks import (
    LABELLED_AWAY_FACTOR,
    findings_from_results,
    mark_label_errors,
    verified_content_groups,
    with_few_label_errors,
    with_misaligned_labels,
    with_overlapping_classes,
    with_unrepresented_classes,
)
from cnn_doctor.findings import matches
from cnn_doctor.layout import Layout, write_json
from cnn_doctor.parallel import map_chunks
from cnn_doctor.progress import progress
from cnn_doctor.records import Validated, completed, record_payload

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SUITES = ("images", "classes", "dataset")


def CACHE_DATA_FILES() -> list[Path]:
    """The suites are part of this stage's code: a changed suite reruns it."""
    return sorted(EXPECTATIONS_DIR.glob("*.json"))


# A task made from a plain function (not a decorator) so that `dvc repro`'s worker processes can unpickle it
# by reference from its light module.
inspect_images = task(inspect_chunk, name="inspect-images", persist_result=False, retries=1)


def build_manifest(source: Source, chunk_size: int) -> tuple[pd.DataFrame, list, list]:
    """One row per entry of the source (where it is, what it is, how it relates to the others), with each
    image's thumbnail and label view."""
    chunks = [list(source.entries[start : start + chunk_size]) for start in range(0, len(source.entries), chunk_size)]
    rows, thumbnails, views = [], [], []
    for chunk_rows, chunk_thumbnails, chunk_views in progress(
        map_chunks(inspect_images, chunks, root=source.root), "Inspecting images", len(chunks)
    ):
        rows += chunk_rows
        thumbnails += chunk_thumbnails
        views += chunk_views
    manifest = pd.DataFrame(rows, columns=_MANIFEST_COLUMNS)
    manifest["usable"] = (
        manifest["path_problem"].isna()
        & manifest["decode_error"].isna()
        & manifest["label"].isin(source.classes)
        & ~manifest["path"].duplicated()
    )
    _add_relations(manifest, thumbnails)
    return manifest, thumbnails, views


_MANIFEST_COLUMNS = [
    "path",
    "label",
    "split",
    "path_problem",
    "bytes",
    "width",
    "height",
    "mode",
    "channels",
    "content_hash",
    "perceptual_hash",
    "pixel_std",
    "decode_error",
]


def _add_relations(manifest: pd.DataFrame, thumbnails: list) -> None:
    """Group images by verified content (perceptual hash candidates, checked pixel by pixel)."""
    manifest[["content_group", "matches", "match_distance"]] = verified_content_groups(manifest, thumbnails)
    groups = manifest["content_group"]  # null for files that could not be read
    by_group = manifest.groupby(groups, dropna=True)
    manifest["labels_for_content"] = by_group["label"].transform("nunique")
    manifest["copies_in_class"] = manifest.groupby([groups, manifest["label"]], dropna=True)["path"].transform("size")
    in_train = set(groups[manifest["split"] == "train"].dropna())
    manifest["leaks_from_train"] = manifest["split"].isin(["val", "test"]) & groups.isin(in_train)
    manifest["image_format"] = (
        manifest["width"].astype("string")
        + "x"
        + manifest["height"].astype("string")
        + " "
        + manifest["mode"].astype("string")
    )


def summarise_classes(manifest: pd.DataFrame, classes: tuple[str, ...]) -> pd.DataFrame:
    """One row per class: its usable images, those the model trains on (`training_images`: the training rows when
    the manifest names its splits, else all usable images: preprocess splits each class in proportion), and the
    share of that many images flagged as this class's under another label (`labelled_away_share`: images moved out
    of one class)."""
    usable = manifest[manifest["usable"]]
    counts = usable["label"].value_counts()
    named_splits = "split" in usable and (usable["split"] == "train").any()
    if named_splits:  # rows without a split are split by preprocess in proportion: counted as in a plain folder
        training = usable[usable["split"].fillna("").astype(str).isin(["train", ""])]["label"].value_counts()
    else:
        training = counts
    flagged = usable[
        usable.get("suspected_label_error", pd.Series(False, index=usable.index)).fillna(False).astype(bool)
    ]
    away = flagged["suggested_label"].value_counts() if len(flagged) else pd.Series(dtype=int)
    return pd.DataFrame(
        {
            "label": list(classes),
            "usable_images": [int(counts.get(c, 0)) for c in classes],
            "training_images": [int(training.get(c, 0)) for c in classes],
            "labelled_away_share": [round(int(away.get(c, 0)) / max(1, int(counts.get(c, 0))), 4) for c in classes],
        }
    )


def summarise_dataset(manifest: pd.DataFrame, class_table: pd.DataFrame) -> pd.DataFrame:
    present = class_table[class_table["usable_images"] > 0]["usable_images"]
    training = class_table[class_table["training_images"] > 0]["training_images"]  # what the model learns from
    ratio = float(training.max() / training.min()) if len(training) else math.nan  # NaN: no class, no ratio
    usable = manifest[manifest["usable"]]
    return pd.DataFrame(
        [
            {
                "usable_images": int(len(usable)),
                "usable_classes": int(len(present)),
                "imbalance_ratio": ratio,
                "distinct_formats": int(usable["image_format"].nunique()),
            }
        ]
    )


def load_suite(name: str):
    from great_expectations.core.expectation_suite import ExpectationSuite

    return ExpectationSuite(**json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text()))


def run_expectations(tables: dict[str, pd.DataFrame], parameters: dict) -> dict:
    """Validate each table against its suite in an ephemeral Great Expectations context."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.WARNING)  # its INFO lines are set-up chatter
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas("cnn_doctor")
    results = {}
    for name, table in tables.items():
        batch = (
            datasource.add_dataframe_asset(name)
            .add_batch_definition_whole_dataframe("all")
            .get_batch(batch_parameters={"dataframe": table})
        )
        index_column = {"images": "path", "classes": "label", "dataset": None}[name]
        result_format = {"result_format": "COMPLETE"}
        if index_column:
            result_format["unexpected_index_column_names"] = [index_column]
        results[name] = batch.validate(load_suite(name), result_format=result_format, expectation_parameters=parameters)
    return results


@task(name="validate", cache_policy=STAGE_CACHE, persist_result=True)
def validate(data: Path, data_digest: str, params: ValidateParams, layout: Layout) -> Validated:
    """Inspect every image, run the expectation suites, and decide whether the gate stops the run."""
    source = read_source(data)
    manifest, thumbnails, views = build_manifest(source, params.chunk_size)
    seen_by_label_model = {"cnn": views, "linear": thumbnails}[params.label_model]
    reference = mark_label_errors(
        manifest, seen_by_label_model if params.label_errors else None, params.label_model, params.seed
    )
    class_table = summarise_classes(manifest, source.classes)
    dataset_table = summarise_dataset(manifest, class_table)
    results = run_expectations(
        {"images": manifest, "classes": class_table, "dataset": dataset_table},
        {
            "classes": list(source.classes),
            "min_pixel_std": params.min_pixel_std,
            "min_images_per_class": params.min_images_per_class,
            "min_total_images": params.min_total_images,
            "max_imbalance_ratio": params.max_imbalance_ratio,
            "label_error_mostly": 1.0 - params.max_label_error_rate,
            "max_labelled_away_share": LABELLED_AWAY_FACTOR * params.max_label_error_rate,
        },
    )
    findings = findings_from_results(results, manifest, class_table, dataset_table, params)
    findings = with_few_label_errors(findings, manifest, class_table, dataset_table, params)
    findings = with_overlapping_classes(findings, manifest)
    findings = with_unrepresented_classes(findings, manifest)
    findings = with_misaligned_labels(findings, manifest)
    gate = [finding.id for finding in findings if matches(finding, params.fail_on)]
    record = Validated(source=str(source.root), classes=tuple(source.classes), gated_by=tuple(gate))
    summary = {
        "source": str(source.root),
        "source_kind": source.kind,
        "classes": list(source.classes),
        "class_counts": dict(zip(class_table["label"], class_table["usable_images"].astype(int).tolist())),
        "entries": len(manifest),
        "usable_images": int(dataset_table["usable_images"].iloc[0]),
        "gated_by": gate,
        "reference": reference,
        "stage": "validate",
        "params": params.model_dump(mode="json"),
    }
    with layout.writing_stage("validate") as folder:
        manifest.to_csv(folder / layout.manifest.name, index=False)
        write_json(folder / layout.findings("validate").name, [finding.to_dict() for finding in findings])
        write_json(
            folder / layout.expectation_results.name,
            {name: _reproducible(result.to_json_dict()) for name, result in results.items()},
        )
        write_json(folder / layout.summary("validate").name, summary)
        write_json(folder / layout.record("validate").name, record_payload(record))
    return completed(record, layout, "validate")


@task(name="fingerprint-data")
def fingerprint_data(data: Path) -> str:
    """Digest the dataset's content, so a changed image reruns validate."""
    return fingerprint_source(read_source(data))


def _reproducible(result: dict) -> dict:
    """Drop the load timestamp, so the same data gives byte-identical results (and downstream stays cached)."""
    result.get("meta", {}).get("batch_markers", {}).pop("ge_load_time", None)
    return result
