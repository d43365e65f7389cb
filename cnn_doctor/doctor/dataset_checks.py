"""Data findings: what validate's expectation results mean, label errors, and the trained network's view of them.

Each failed expectation (expectations/*.json, `meta.finding`) becomes evidence for one finding here; the
label-error search (cleanlab) marks the manifest, and the trained network's held-out predictions confirm
or withdraw its flags (`with_network_opinion`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from cnn_doctor.config import ValidateParams
from cnn_doctor.doctor.label_errors import find_label_errors, overlapping_pairs
from cnn_doctor.findings import IMPACT, LABEL_CHECK, SEVERITY_RANK, Finding, sort_findings

# Two images sharing a perceptual hash are the same content only if their 16x16 thumbnails differ by at most
# this mean absolute pixel difference (0-255). Calibrated on Fashion-MNIST (bench/duplicate_distance.py,
# bench/README.md): similar products share hashes at larger distances; a JPEG re-encoded copy stays below it.
DUPLICATE_DISTANCE = 3.0


def pixel_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails, in 0-255 pixel units."""
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def verified_content_groups(manifest: pd.DataFrame, thumbnails: list) -> pd.DataFrame:
    """Content groups checked pixel by pixel: the perceptual hash proposes candidates, and an image joins a
    group only within DUPLICATE_DISTANCE of the group's first image. Per row: `content_group`, and for a
    copy, the file it `matches` and their `match_distance`."""
    result = pd.DataFrame(
        {"content_group": pd.NA, "matches": pd.NA, "match_distance": np.nan}, index=manifest.index
    ).astype({"content_group": "string", "matches": "string"})
    hashes = manifest["perceptual_hash"].astype("string")  # all missing or unreadable: no hash is a string
    result["content_group"] = (hashes + "-0").astype("string")  # most images share their hash with none
    shared = hashes[hashes.duplicated(keep=False) & hashes.notna()]
    for phash, rows in manifest.loc[shared.index].groupby("perceptual_hash").groups.items():
        firsts: list = []  # the first image of each verified group under this hash
        for row in rows:
            distances = [pixel_distance(thumbnails[row], thumbnails[first]) for first in firsts]
            closest = int(np.argmin(distances)) if distances else -1
            if closest >= 0 and distances[closest] <= DUPLICATE_DISTANCE:
                result.loc[row, ["content_group", "matches", "match_distance"]] = [
                    f"{phash}-{closest}",
                    manifest.at[firsts[closest], "path"],
                    round(distances[closest], 2),
                ]
            else:
                result.loc[row, "content_group"] = f"{phash}-{len(firsts)}"
                firsts.append(row)
    _match_held_out_to_training(manifest, thumbnails, result)
    return result


def _match_held_out_to_training(manifest: pd.DataFrame, thumbnails: list, result: pd.DataFrame) -> None:
    """A validation or test copy is matched to a training image of its group: the pair that leaks."""
    grouped = result["content_group"].notna()  # undecodable files belong to no group
    training = grouped & (manifest["split"] == "train")
    first_training = result[training].reset_index().drop_duplicates("content_group").set_index("content_group")
    held_out = grouped & manifest["split"].isin(["val", "test"]) & result["content_group"].isin(first_training.index)
    for row in manifest.index[held_out]:
        match = first_training.at[result.at[row, "content_group"], "index"]
        result.loc[row, ["matches", "match_distance"]] = [
            manifest.at[match, "path"],
            round(pixel_distance(thumbnails[row], thumbnails[match]), 2),
        ]


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
        # what the model learns from: the training rows when the manifest names its splits
        self.training = dict(zip(class_table["label"], class_table["training_images"].astype(int)))
        self.splits_named = self.training != self.counts

    def rows(self, files: list[str]) -> pd.DataFrame:
        return self.manifest[self.manifest["path"].isin(files)]

    def groups(self, files: list[str], column: str = "content_group") -> list[list[str]]:
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
    small = {c: context.training[c] for c in classes if c in context.training}
    total = int(context.dataset["usable_images"])
    kind = "training images (the manifest's training rows)" if context.splits_named else "usable images"
    summary = (
        f"{len(small)} class(es) have fewer than {minimum} {kind}: " + ", ".join(f"{c!r} {n}" for c, n in small.items())
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
        training_counts=context.training,
        small_classes=small,
        total=total,
        files=[],
    )


def _imbalance(context, severity, _):
    present = {c: n for c, n in context.training.items() if n > 0}
    largest, smallest = max(present, key=present.get), min(present, key=present.get)
    ratio = present[largest] / present[smallest]
    kind = " training" if context.splits_named else ""
    return _finding(
        "class_imbalance",
        severity,
        f"Class {smallest!r} has {present[smallest]}{kind} images, {largest!r} has {present[largest]} "
        f"(ratio {ratio:.0f}:1, limit {context.params.max_imbalance_ratio:g}:1).",
        f"Collect more {smallest!r} images, or keep train.class_weight=auto and augment.balance=true.",
        counts=context.counts,
        training_counts=context.training,
        ratio=ratio,
        files=[],
    )


# Copies within a class cost little (cnn-doctor keeps each content in one split): a warning only when they
# are this share of the usable images or more (they then over-weight what they show), info below.
DUPLICATE_SHARE_WARNING = 0.01


def _duplicates(context, severity, files):
    groups = [group for group in (sorted(set(g)) for g in context.groups(files)) if len(group) > 1]
    counts = context.manifest["path"].value_counts()
    repeated_rows = sorted(path for path in set(files) if counts.get(path, 0) > 1)  # one file named twice
    extra_copies = len(set(files)) - len(groups)
    share = extra_copies / max(1, int(context.manifest["usable"].sum()))
    return _finding(
        "duplicate_images",
        severity if share >= DUPLICATE_SHARE_WARNING or repeated_rows else "info",
        f"{len(files)} file(s) are identical or near-identical copies within a class "
        f"({len(groups)} group(s), checked pixel by pixel): {extra_copies} extra copies, {share:.2%} of the "
        "images; they over-weight what they show.",
        "Keep one image of each group (cnn-doctor keeps all copies in one split to avoid leakage).",
        files=files,
        groups=groups,
        pairs=_pairs(context.rows(files)),
        repeated_manifest_rows=repeated_rows,
        impact={"accuracy_bound": round(share, 5), "how": "extra copies over usable images"},
    )


def _conflicting(context, severity, files):
    groups = [
        {"files": list(group["path"]), "labels": sorted(group["label"].dropna().unique())}
        for _, group in context.rows(files).groupby("content_group")
    ]
    return _finding(
        "conflicting_labels",
        severity,
        f"{len(groups)} group(s) of identical or near-identical images carry different labels ({len(files)} files).",
        "Decide the right label for each group and fix the others; the network is trained on contradictions.",
        files=files,
        groups=groups,
        pairs=_pairs(context.rows(files)),
    )


def _leakage(context, severity, files):
    """Severity by impact: a copied image can at most be scored right by memory, so the leaked share of the
    evaluated split bounds how much the accuracy is inflated; above validate.max_leaked_share it is not
    trustworthy and the run stops, below it the run goes on with a warning that says so."""
    leaked = context.rows(files)
    splits = context.manifest["split"]
    evaluated = "test" if (splits == "test").any() else "val"
    share = float((leaked["split"] == evaluated).sum() / max(1, (splits == evaluated).sum()))
    trusted = share <= context.params.max_leaked_share
    return _finding(
        "split_leakage",
        "warning" if trusted else "critical",
        f"{len(files)} validation/test image(s) are copies of a training image (checked pixel by pixel): "
        f"{share:.2%} of the {evaluated} split, so its accuracy is inflated by at most {share:.2%}"
        + ("; the run goes on." if trusted else "; it cannot be trusted."),
        "Move these images (or their training copies) so each content lives in one split, "
        "or drop the split column and let cnn-doctor split by content.",
        files=files,
        pairs=_pairs(leaked),
        impact={
            "accuracy_bound": share,
            "how": f"leaked share of the {evaluated} split: each copy can at most be scored right by memory",
        },
    )


def _pairs(rows: pd.DataFrame) -> list[dict]:
    """Each copy with the file it matches and their pixel distance (mean absolute difference, 0-255)."""
    matched = rows[rows["matches"].notna() & (rows["matches"] != rows["path"])]  # not a row repeated
    return [
        {"file": file, "matches": match, "distance": float(distance)}
        for file, match, distance in zip(matched["path"], matched["matches"], matched["match_distance"])
    ]


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


# A class with this many times validate.max_label_error_rate of its images flagged under other labels lost them
# to those labels (one class relabelled), whatever the overall rate (3% when it is one class of ten).
LABELLED_AWAY_FACTOR = 3.0


def _label_errors(context, severity, files):
    flagged = context.manifest[context.manifest["suspected_label_error"].fillna(False).astype(bool)]
    flagged = flagged.sort_values("label_error_rank")
    rate = len(flagged) / max(1, int(context.manifest["usable"].sum()))
    limit = LABELLED_AWAY_FACTOR * context.params.max_label_error_rate
    table = context.class_table
    away = dict(zip(table["label"], table["labelled_away_share"])) if "labelled_away_share" in table else {}
    away = {name: share for name, share in away.items() if share > limit}
    moved = "; ".join(
        f"{round(share * context.counts[name])} image(s) labelled otherwise look like {name!r} ({share:.0%} of the "
        f"{context.counts[name]} labelled {name!r})"
        for name, share in away.items()
    )
    return _finding(
        "suspected_label_errors",
        severity,
        f"{len(flagged)} image(s) look mislabelled (estimated label noise {rate:.1%})"
        + (f": {moved}." if moved else "."),
        "Review these images, most suspicious first, and correct their labels in the source "
        f"(warning above validate.max_label_error_rate={context.params.max_label_error_rate}).",
        files=flagged["path"].tolist(),
        estimated_noise_rate=round(rate, 4),
        labelled_away=away,
        given=dict(zip(flagged["path"], flagged["label"])),
        suggested=dict(zip(flagged["path"], flagged["suggested_label"])),
        could_also_be={path: also for path, also in zip(flagged["path"], flagged["could_also_be"]) if also},
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


def mark_label_errors(manifest: pd.DataFrame, views: list | None, model: str, seed: int) -> dict | None:
    """Add confident-learning columns: suspected_label_error, suggested_label, could_also_be, label_error_rank,
    ambiguous_between (views None: the search is off). `views` are what `model` sees, one per manifest row.
    Returns the label model's reference accuracy (`find_label_errors`), None when the search did not run."""
    manifest["suspected_label_error"] = False
    manifest["suggested_label"] = None
    manifest["could_also_be"] = None
    manifest["label_error_rank"] = np.nan
    manifest["ambiguous_between"] = pd.Series(pd.NA, index=manifest.index, dtype="string")
    candidates = manifest.index[manifest["usable"]]
    if views is None or len(candidates) == 0:
        return None
    images = np.stack([views[i] for i in candidates])
    issues, reference = find_label_errors(images, manifest.loc[candidates, "label"].tolist(), model, seed)
    overlapping = overlapping_pairs(issues, manifest.loc[candidates, "label"].nunique())
    for rank, issue in enumerate(issues):
        row = candidates[issue["index"]]
        pair = tuple(sorted((issue["given"], issue["suggested"])))
        if pair in overlapping:  # between two classes that genuinely overlap: ambiguous, not mislabelled
            manifest.loc[row, ["ambiguous_between", "suggested_label"]] = [" / ".join(pair), issue["suggested"]]
            continue
        # The runner-up, when it overlaps the suggestion: the model cannot tell those two apart, so say both
        runner_up = tuple(sorted((issue["suggested"], issue["second"])))
        also = issue["second"] if runner_up in overlapping and issue["second"] != issue["given"] else None
        manifest.loc[row, ["suspected_label_error", "suggested_label", "could_also_be", "label_error_rank"]] = [
            True,
            issue["suggested"],
            also,
            rank,
        ]
    return reference


def with_few_label_errors(findings, manifest, class_table, dataset_table, params) -> list[Finding]:
    """Below the warning rate, flagged images are still worth a look: an info finding lists them."""
    if (
        any(f.id == "suspected_label_errors" for f in findings)
        or not manifest.get("suspected_label_error", pd.Series(dtype=bool)).any()
    ):
        return findings
    context = _DescribeContext(manifest, class_table, dataset_table, params)
    return sort_findings([*findings, _label_errors(context, "info", [])])


EXAMPLES_PER_PAIR = 8


def with_unrepresented_classes(findings: list[Finding], manifest: pd.DataFrame) -> list[Finding]:
    """Classes the manifest puts in its validation or test rows but never in its training rows (data sorted by
    class and split without shuffling): the model cannot learn them, and every one of their images is an error."""
    usable = manifest[manifest["usable"]]
    if "split" not in usable or not (usable["split"] == "train").any():
        return findings
    trained = set(usable.loc[usable["split"] == "train", "label"])
    held_out = usable[usable["split"].isin(["val", "test"]) & ~usable["label"].isin(trained)]
    if held_out.empty:
        return findings
    classes = sorted(set(held_out["label"]))
    finding = Finding(
        "unrepresentative_split",
        "critical",
        "validate",
        f"Class(es) {', '.join(map(repr, classes))} appear in the validation or test split but never in training: "
        "the model cannot learn them (data sorted by class and split without shuffling does this).",
        "Shuffle before splitting, or let cnn-doctor split the data (drop the split column): it splits each "
        "class in proportion.",
        {
            "classes": classes,
            "files": held_out["path"].tolist(),
            IMPACT: {
                "accuracy_bound": round(len(held_out) / max(1, int(usable["split"].isin(["val", "test"]).sum())), 4),
                "how": "share of the held-out images whose class training never saw",
            },
        },
    )
    return sort_findings([*findings, finding])


# Annotation mistakes scatter over the splits alike. A split whose labels the data contradicts more often than the
# other splits' by at least this share of random labels' rate (1 - 1/C of them wrong) was not labelled carelessly:
# its labels were paired with the wrong images (a loader that shuffles the images and not their labels, two lists
# sorted differently). A difference, not a ratio: a label model that learned from mostly shuffled labels flags
# clean images too (Fashion-MNIST, 70% of the labels shuffled: 73% of them flagged, 23% of the clean ones).
MISALIGNED_SHARE_OF_RANDOM = 0.5
MIN_SPLIT_IMAGES = 20


def with_misaligned_labels(findings: list[Finding], manifest: pd.DataFrame) -> list[Finding]:
    """A split of the manifest whose labels the label-error search contradicts almost as often as random labels
    would, while the other splits' labels hold: `labels_misaligned`, the cause of the label flags."""
    usable = manifest[manifest["usable"]]
    if "split" not in usable or usable["split"].nunique() < 2 or "suspected_label_error" not in usable:
        return findings
    flagged = usable["suspected_label_error"].fillna(False).astype(bool)
    rates = flagged.groupby(usable["split"]).mean().sort_values(ascending=False)
    split, rate = str(rates.index[0]), float(rates.iloc[0])
    in_split = usable["split"] == split
    others = float(flagged[~in_split].mean())
    random_rate = 1.0 - 1.0 / max(2, usable["label"].nunique())
    if in_split.sum() < MIN_SPLIT_IMAGES or rate - others < MISALIGNED_SHARE_OF_RANDOM * random_rate:
        return findings
    finding = Finding(
        "labels_misaligned",
        "warning",
        "validate",
        f"{rate:.0%} of the {split!r} split's labels are contradicted by their images, against {others:.0%} in the "
        f"other splits (random labels: {random_rate:.0%}): the {split!r} labels do not belong to their images.",
        f"Check how the {split!r} images and labels are paired: shuffle them together, never one list alone, and "
        "read both in the same order (sorted by file name); then run again. Relabelling image by image would not "
        "help: almost every label of the split is off.",
        {
            "split": split,
            "contradicted_share": round(rate, 4),
            "contradicted_share_elsewhere": round(others, 4),
            "random_labels_share": round(random_rate, 4),
            "files": usable.loc[in_split & flagged, "path"].tolist(),
            IMPACT: {
                "accuracy_bound": round(rate, 4),
                "how": f"share of the {split!r} split whose labels the label model contradicts",
            },
        },
    )
    return sort_findings([*findings, finding])


def with_overlapping_classes(findings: list[Finding], manifest: pd.DataFrame) -> list[Finding]:
    """Images the label-error search flagged between two classes that genuinely overlap: named as a property
    of the data (info), with examples and the share of images it concerns, instead of accusing each image."""
    ambiguous = manifest[manifest.get("ambiguous_between", pd.Series(pd.NA, index=manifest.index)).notna()]
    if ambiguous.empty:
        return findings
    usable = max(1, int(manifest["usable"].sum()))
    pairs = [
        {
            "classes": pair.split(" / "),
            "images": len(rows),
            "share": round(len(rows) / usable, 4),
            "examples": [
                {"file": file, "label": label, "looks_like": suggested}
                for file, label, suggested in zip(rows["path"], rows["label"], rows["suggested_label"])
            ][:EXAMPLES_PER_PAIR],
        }
        for pair, rows in sorted(ambiguous.groupby("ambiguous_between"), key=lambda item: -len(item[1]))
    ]
    named = ", ".join(f"{' / '.join(map(repr, p['classes']))} ({p['images']})" for p in pairs)
    finding = Finding(
        "overlapping_classes",
        "info",
        "validate",
        f"{len(ambiguous)} image(s) ({len(ambiguous) / usable:.1%}) sit between classes that genuinely overlap: "
        f"{named}. They look ambiguous, not mislabelled.",
        "Expect these pairs to cost accuracy (see confusable_classes); if they must be told apart, collect "
        "clearer examples of each, or merge the classes.",
        {
            "pairs": pairs,
            "files": ambiguous["path"].tolist(),
            IMPACT: {
                "accuracy_bound": round(len(ambiguous) / usable, 4),
                "how": "share of the images the label model finds ambiguous between these pairs",
            },
        },
    )
    return sort_findings([*findings, finding])


MIN_FLAGGED_TO_CHECK = 5
# The network confirms the flags when it agrees with their given labels less than half as often as with the
# others, beyond chance: a one-sided binomial test at this level. Ten flagged held-out images of which it agrees
# with 2, against 59% on the others, is chance (p 0.4): hard weak-signal images did that in one training seed of two.
CONFIRMATION_P_VALUE = 0.05


def check_label_flags(agrees: np.ndarray, flagged: np.ndarray, num_classes: int) -> dict:
    """A second opinion on validate's label flags, from the trained network on held-out images it never saw.

    Mislabelled images are the ones a network that learned the task disagrees with: unless it agrees with the
    given labels of the flagged images less than half as often as with the others, beyond chance, the quick
    label model mistook hard images (weak signal) for wrong labels. A network that learned nothing (held-out
    accuracy below twice chance: random labels) has no opinion. All held-out images, not the unflagged ones
    alone: those are the images whose label the label model agreed with, a selection that lifts even a
    random-label network's agreement (20% against 10% chance on 75 images, in one run of random labels).
    """
    check = {"flagged_images": int(flagged.sum()), "confirmed": None}
    if flagged.sum() < MIN_FLAGGED_TO_CHECK or (~flagged).sum() < MIN_FLAGGED_TO_CHECK:
        return check
    on_flagged, on_others = float(agrees[flagged].mean()), float(agrees[~flagged].mean())
    check.update(accuracy_on_flagged=on_flagged, accuracy_on_others=on_others)
    if agrees.mean() >= 2.0 / num_classes:
        from scipy.stats import binomtest

        test = binomtest(int(agrees[flagged].sum()), int(flagged.sum()), 0.5 * on_others, alternative="less")
        check.update(p_value=round(float(test.pvalue), 4), confirmed=bool(test.pvalue < CONFIRMATION_P_VALUE))
    return check


def with_network_opinion(findings: list[Finding], check: dict) -> list[Finding]:
    """Validate's label flags, seen again by the trained network on held-out images (evaluate's label_check):
    confirmed, they stand; not confirmed, they are hard images worth a look, not a warning."""
    if check.get("confirmed") is None:
        return findings
    agreement = (
        f"on held-out images it agrees with the given label of {check['accuracy_on_flagged']:.0%} of the "
        f"{check['flagged_images']} flagged images and {check['accuracy_on_others']:.0%} of the others"
    )
    agreement += "." if check["confirmed"] else f", which chance explains (p = {check['p_value']:.2g})."
    opinion = (
        {"summary": f" The trained network confirms them: {agreement}"}
        if check["confirmed"]
        else {
            "summary": f" The trained network does not confirm them: {agreement}",
            "severity": "info",
            "recommendation": "These images look hard rather than mislabelled: look at them before relabelling "
            "anything.",
        }
    )
    return [
        replace(
            f,
            summary=f.summary + opinion["summary"],
            severity=opinion.get("severity", f.severity),
            recommendation=opinion.get("recommendation", f.recommendation),
            evidence={**f.evidence, LABEL_CHECK: check},
        )
        if f.id == "suspected_label_errors"
        else f
        for f in findings
    ]
