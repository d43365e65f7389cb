"""validate: inspect every image, check the dataset against Great Expectations suites, decide the gate."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from prefect import task

from cnn_doctor.caching import STAGE_CACHE
from cnn_doctor.config import PROJECT_ROOT, ValidateParams
from cnn_doctor.data.decoding import inspect_chunk
from cnn_doctor.data.sources import Source, fingerprint_source, read_source
from cnn_doctor.doctor.label_errors import find_label_errors
from cnn_doctor.findings import SEVERITY_RANK, Finding, matches, sort_findings
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


def build_manifest(source: Source, chunk_size: int) -> tuple[pd.DataFrame, list]:
    """One row per entry of the source (where it is, what it is, how it relates to the others), and thumbnails."""
    chunks = [list(source.entries[start : start + chunk_size]) for start in range(0, len(source.entries), chunk_size)]
    rows, thumbnails = [], []
    for chunk_rows, chunk_thumbnails in progress(
        map_chunks(inspect_images, chunks, root=source.root), "Inspecting images", len(chunks)
    ):
        rows += chunk_rows
        thumbnails += chunk_thumbnails
    manifest = pd.DataFrame(rows, columns=_MANIFEST_COLUMNS)
    manifest["usable"] = (
        manifest["path_problem"].isna()
        & manifest["decode_error"].isna()
        & manifest["label"].isin(source.classes)
        & ~manifest["path"].duplicated()
    )
    _add_relations(manifest)
    return manifest, thumbnails


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


def _add_relations(manifest: pd.DataFrame) -> None:
    """Group images by perceptual hash (identical and near-identical content share it)."""
    groups = manifest["perceptual_hash"]  # null for files that could not be read
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
    counts = manifest[manifest["usable"]]["label"].value_counts()
    return pd.DataFrame({"label": list(classes), "usable_images": [int(counts.get(c, 0)) for c in classes]})


def summarise_dataset(manifest: pd.DataFrame, class_table: pd.DataFrame) -> pd.DataFrame:
    present = class_table[class_table["usable_images"] > 0]["usable_images"]
    ratio = float(present.max() / present.min()) if len(present) else math.nan  # NaN: no class, no ratio
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


def findings_from_results(
    results: dict,
    manifest: pd.DataFrame,
    class_table: pd.DataFrame,
    dataset_table: pd.DataFrame,
    params: ValidateParams,
) -> list[Finding]:
    """Each failed expectation becomes evidence for its finding id; one finding per id."""
    failed: dict[str, dict] = {}
    for suite_name, result in results.items():
        for expectation_result in result.results:
            if expectation_result.success:
                continue
            meta = expectation_result.expectation_config.meta
            entry = failed.setdefault(meta["finding"], {"severity": "info", "rows": [], "suites": []})
            entry["severity"] = min(entry["severity"], meta["severity"], key=SEVERITY_RANK.get)
            entry["suites"].append(suite_name)
            entry["rows"] += [
                row.get("path", row.get("label"))
                for row in expectation_result.result.get("unexpected_index_list") or []
                if isinstance(row, dict)
            ]
    context = _DescribeContext(manifest, class_table, dataset_table, params)
    return sort_findings(
        [
            DESCRIBERS[finding_id](context, entry["severity"], sorted({r for r in entry["rows"] if r is not None}))
            for finding_id, entry in failed.items()
        ]
    )


class _DescribeContext:
    def __init__(self, manifest, class_table, dataset_table, params):
        self.manifest, self.class_table, self.params = manifest, class_table, params
        self.dataset = dataset_table.iloc[0].to_dict()
        self.counts = dict(zip(class_table["label"], class_table["usable_images"].astype(int)))

    def rows(self, files: list[str]) -> pd.DataFrame:
        return self.manifest[self.manifest["path"].isin(files)]

    def groups(self, files: list[str], column: str = "perceptual_hash") -> list[list[str]]:
        rows = self.rows(files)
        return [sorted(group["path"]) for _, group in rows.groupby(column)]


def _finding(finding_id, severity, summary, recommendation, **evidence) -> Finding:
    return Finding(
        id=finding_id,
        severity=severity,
        stage="validate",
        summary=summary,
        recommendation=recommendation,
        evidence=evidence,
    )


def _corrupt(context, severity, files):
    errors = dict(zip(context.rows(files)["path"], context.rows(files)["decode_error"]))
    return _finding(
        "corrupt_images",
        severity,
        f"{len(files)} file(s) cannot be decoded as images; they are left out of training.",
        "Replace or remove these files in your source folder (cnn-doctor never modifies it).",
        files=files,
        errors=errors,
    )


def _missing(context, severity, files):
    problems = dict(zip(context.rows(files)["path"], context.rows(files)["path_problem"]))
    return _finding(
        "missing_files",
        severity,
        f"{len(files)} manifest row(s) name a file that does not exist or lies outside the dataset root.",
        "Fix the paths in the manifest: they are relative to the manifest's folder and must stay inside it.",
        files=files,
        problems=problems,
    )


def _unknown_labels(context, severity, files):
    labels = context.rows(files)["label"].fillna("").tolist()
    return _finding(
        "unknown_labels",
        severity,
        f"{len(files)} image(s) have an empty label or one outside the declared classes.",
        "Correct the labels in the manifest; these images are left out of training.",
        files=files,
        labels=dict(zip(files, labels)),
        classes=list(context.counts),
    )


def _empty_class(context, severity, classes):
    return _finding(
        "empty_class",
        severity,
        f"Class(es) {', '.join(map(repr, classes))} have no usable image and cannot be learned.",
        "Add images to these classes or remove their folders.",
        classes=classes,
        counts=context.counts,
        files=[],
    )


def _too_few(context, severity, classes):
    minimum = context.params.min_images_per_class
    small = {c: context.counts[c] for c in classes if c in context.counts}
    total = int(context.dataset["usable_images"])
    summary = (
        f"{len(small)} class(es) have fewer than {minimum} usable images"
        if small
        else f"The dataset has only {total} usable images"
    )
    if context.dataset["usable_classes"] < 2:
        summary = f"Only {int(context.dataset['usable_classes'])} class has usable images; a classifier needs two"
    return _finding(
        "too_few_images",
        severity,
        summary + f" (total {total}).",
        "Collect more images for these classes; meanwhile keep augment.enabled=true. "
        "Threshold: validate.min_images_per_class / validate.min_total_images.",
        counts=context.counts,
        small_classes=small,
        total=total,
        files=[],
    )


def _imbalance(context, severity, _):
    present = {c: n for c, n in context.counts.items() if n > 0}
    largest, smallest = max(present, key=present.get), min(present, key=present.get)
    ratio = present[largest] / present[smallest]
    return _finding(
        "class_imbalance",
        severity,
        f"Class {smallest!r} has {present[smallest]} images, {largest!r} has {present[largest]} "
        f"(ratio {ratio:.0f}:1, limit {context.params.max_imbalance_ratio:g}:1).",
        f"Collect more {smallest!r} images, or keep train.class_weight=auto and augment.balance=true.",
        counts=context.counts,
        ratio=ratio,
        files=[],
    )


def _duplicates(context, severity, files):
    groups = [group for group in (sorted(set(g)) for g in context.groups(files)) if len(group) > 1]
    counts = context.manifest["path"].value_counts()
    repeated_rows = sorted(path for path in set(files) if counts.get(path, 0) > 1)  # one file named twice
    return _finding(
        "duplicate_images",
        severity,
        f"{len(files)} file(s) are identical or near-identical copies within a class "
        f"({len(groups)} group(s)); they inflate counts and can leak across splits.",
        "Keep one image of each group (cnn-doctor keeps all copies in one split to avoid leakage).",
        files=files,
        groups=groups,
        repeated_manifest_rows=repeated_rows,
    )


def _conflicting(context, severity, files):
    groups = [
        {"files": list(group["path"]), "labels": sorted(group["label"].dropna().unique())}
        for _, group in context.rows(files).groupby("perceptual_hash")
    ]
    return _finding(
        "conflicting_labels",
        severity,
        f"{len(groups)} group(s) of identical or near-identical images carry different labels ({len(files)} files).",
        "Decide the right label for each group and fix the others; the network is trained on contradictions.",
        files=files,
        groups=groups,
    )


def _leakage(context, severity, files):
    return _finding(
        "split_leakage",
        severity,
        f"{len(files)} validation/test image(s) are identical or near-identical to a training image: "
        "the reported accuracy would be inflated.",
        "Move these images (or their training copies) so each content lives in one split, "
        "or drop the split column and let cnn-doctor split by content.",
        files=files,
    )


def _outliers(context, severity, files):
    stds = dict(zip(context.rows(files)["path"], context.rows(files)["pixel_std"].round(3)))
    return _finding(
        "outlier_images",
        severity,
        f"{len(files)} image(s) are blank or constant (pixel std below {context.params.min_pixel_std}).",
        "Check these files; remove them if they carry no content (threshold: validate.min_pixel_std).",
        files=files,
        pixel_std=stds,
    )


def _label_errors(context, severity, files):
    flagged = context.manifest[context.manifest["suspected_label_error"].fillna(False).astype(bool)]
    flagged = flagged.sort_values("label_error_rank")
    rate = len(flagged) / max(1, int(context.manifest["usable"].sum()))
    return _finding(
        "suspected_label_errors",
        severity,
        f"{len(flagged)} image(s) look mislabelled (estimated label noise {rate:.1%}).",
        "Review these images, most suspicious first, and correct their labels in the source "
        f"(warning above validate.max_label_error_rate={context.params.max_label_error_rate}).",
        files=flagged["path"].tolist(),
        estimated_noise_rate=round(rate, 4),
        given=dict(zip(flagged["path"], flagged["label"])),
        suggested=dict(zip(flagged["path"], flagged["suggested_label"])),
    )


def _mixed(context, severity, _):
    formats = context.manifest[context.manifest["usable"]]["image_format"].value_counts().to_dict()
    return _finding(
        "mixed_image_formats",
        severity,
        f"Images come in {len(formats)} sizes/modes; all are converted to preprocess.image_size "
        "and preprocess.channels.",
        "Nothing to do unless the conversion loses detail; set preprocess.image_size/channels to choose.",
        formats={str(k): int(v) for k, v in formats.items()},
        files=[],
    )


DESCRIBERS: dict[str, Callable] = {
    "corrupt_images": _corrupt,
    "missing_files": _missing,
    "unknown_labels": _unknown_labels,
    "empty_class": _empty_class,
    "too_few_images": _too_few,
    "class_imbalance": _imbalance,
    "duplicate_images": _duplicates,
    "conflicting_labels": _conflicting,
    "split_leakage": _leakage,
    "outlier_images": _outliers,
    "mixed_image_formats": _mixed,
    "suspected_label_errors": _label_errors,
}


def mark_label_errors(manifest: pd.DataFrame, thumbnails: list | None, seed: int) -> None:
    """Add confident-learning columns: suspected_label_error, suggested_label, label_error_rank (None: off)."""
    manifest["suspected_label_error"] = False
    manifest["suggested_label"] = None
    manifest["label_error_rank"] = np.nan
    candidates = manifest.index[manifest["usable"]]
    if thumbnails is None or len(candidates) == 0:
        return
    from threadpoolctl import threadpool_limits

    features = np.stack([thumbnails[i] for i in candidates])
    # One BLAS/OpenMP thread: the quick model's matrices are small, and on a busy 2-core machine threaded
    # BLAS spins against the other work, 3-10x slower (bench/scale.py, bench/README.md "Scale").
    with threadpool_limits(1):
        issues = find_label_errors(features, manifest.loc[candidates, "label"].tolist(), seed)
    for rank, issue in enumerate(issues):
        row = candidates[issue["index"]]
        manifest.loc[row, ["suspected_label_error", "suggested_label", "label_error_rank"]] = [
            True,
            issue["suggested"],
            rank,
        ]


def _with_few_label_errors(findings, manifest, class_table, dataset_table, params) -> list[Finding]:
    """Below the warning rate, flagged images are still worth a look: an info finding lists them."""
    if (
        any(f.id == "suspected_label_errors" for f in findings)
        or not manifest.get("suspected_label_error", pd.Series(dtype=bool)).any()
    ):
        return findings
    context = _DescribeContext(manifest, class_table, dataset_table, params)
    return sort_findings([*findings, _label_errors(context, "info", [])])


@task(name="validate", cache_policy=STAGE_CACHE, persist_result=True)
def validate(data: Path, data_digest: str, params: ValidateParams, layout: Layout) -> Validated:
    """Inspect every image, run the expectation suites, and decide whether the gate stops the run."""
    source = read_source(data)
    manifest, thumbnails = build_manifest(source, params.chunk_size)
    mark_label_errors(manifest, thumbnails if params.label_errors else None, params.seed)
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
        },
    )
    findings = findings_from_results(results, manifest, class_table, dataset_table, params)
    findings = _with_few_label_errors(findings, manifest, class_table, dataset_table, params)
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
