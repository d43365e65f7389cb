"""The diagnostic report: report.json for programs, a self-contained report.html for people."""

from __future__ import annotations

import base64
import html
import io
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cnn_doctor import __version__
from cnn_doctor.doctor.judge import judge
from cnn_doctor.doctor.verification import effect_text, helped
from cnn_doctor.findings import CAUSED_BY, IMPACT, VERIFICATION, Finding, count_by_severity, load_findings
from cnn_doctor.layout import Layout, read_json, write_json, write_text

LIBRARIES = ("tensorflow", "keras", "prefect", "great-expectations", "dvc", "scikit-learn", "numpy", "pandas", "pillow")


def library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def verdict(findings: list[Finding], metrics: dict, gated_by: list[str]) -> str:
    """One sentence a person can act on."""
    leading = findings[0] if findings else None
    if gated_by:
        where = "validation" if leading.stage == "validate" else "the model check"
        return f"Stopped after {where} ({', '.join(gated_by)}): {leading.summary} Fix: {leading.recommendation}"
    accuracy = metrics.get("test_accuracy")
    split = "validation" if metrics.get("evaluated_split") == "val" else "test"
    scored = f"{split} accuracy {accuracy:.3f}" if accuracy is not None else f"no {split} accuracy"
    tried = leading.evidence.get(VERIFICATION) if leading else None
    proof = f" {effect_text(tried)}" if tried and helped(tried) else ""
    if leading and leading.severity == "critical":
        return f"Do not trust this model ({scored}): {leading.summary} Fix: {leading.recommendation}{proof}"
    if leading and leading.severity == "warning":
        cause = f"{leading.summary[0].lower()}{leading.summary[1:]}"
        return f"The model learned ({scored}), but {cause} Fix: {leading.recommendation}{proof}"
    return f"Healthy: the model learned ({scored}) and no problem was found."


def compose_report(layout: Layout, stages: tuple[str, ...]) -> dict:
    """Gather the given stages' findings and summaries into the report (never a stale stage's)."""
    summaries = {stage: read_json(layout.summary(stage)) for stage in stages if layout.summary(stage).is_file()}
    validation = summaries.get("validate", {})
    metrics = summaries.get("evaluate", {}).get("metrics", {})
    findings = [f for stage in stages for f in load_findings(layout.findings(stage))]
    findings = judge(findings, metrics, validation.get("usable_images"))
    stopped_by_model = summaries.get("train", {}).get("stopped_by")
    status = (
        "stopped_by_validation"
        if validation.get("gated_by")
        else ("stopped_by_model_check" if stopped_by_model else "completed")
    )
    return {
        "verdict": verdict(
            findings, metrics, validation.get("gated_by", []) or ([stopped_by_model] if stopped_by_model else [])
        ),
        "status": status,
        "leading_finding": findings[0].id if findings else None,
        "verified_fix": verified_fix(findings),
        "findings_by_severity": count_by_severity(findings),
        "findings": [finding.to_dict() for finding in findings],
        "metrics": metrics,
        "dataset": {
            **{
                key: validation.get(key)
                for key in ("source", "source_kind", "classes", "class_counts", "entries", "usable_images")
            },
            # a manifest without validation rows: how many training rows became the validation split
            "validation_carved_from_train": summaries.get("preprocess", {}).get("validation_carved_from_train"),
        },
        "training": {
            key: value for key, value in summaries.get("train", {}).items() if key not in ("params", "probes")
        },
        "probes": summaries.get("train", {}).get("probes"),
        "params": {name: section for summary in summaries.values() for name, section in _params_of(summary)},
        "stages_run": list(stages),
        "versions": {"cnn-doctor": __version__, **library_versions()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def verified_fix(findings: list[Finding]) -> dict | None:
    """The fix that helped most, as the report's one thing to try: its finding, change and gain."""
    helpful = [f for f in findings if f.evidence.get(VERIFICATION) and helped(f.evidence[VERIFICATION])]
    if not helpful:
        return None
    best = max(helpful, key=lambda f: f.evidence[VERIFICATION]["gain"])
    result = best.evidence[VERIFICATION]
    overrides = [line for line in result["change"] if "=" in line and " " not in line]
    return {"finding": best.id, "change": result["change"], "overrides": overrides, "gain": result["gain"]}


def _params_of(summary: dict):
    params = summary.get("params") or {}
    if summary.get("stage") == "train":
        return params.items()
    return [(summary.get("stage", "validate"), params)] if params else []


def write_report(layout: Layout, stages: tuple[str, ...]) -> dict:
    report = compose_report(layout, stages)
    write_json(layout.report_json, report)
    write_text(layout.report_html, render_html(report, layout))
    return report


def _figure_to_data_uri(figure) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def plot_learning_curves(layout: Layout, report: dict) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    if not layout.history.is_file():
        return None
    history = pd.read_csv(layout.history)
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 3.5))
    for column, axis in (("loss", loss_axis), ("accuracy", accuracy_axis)):
        for prefix, style in (("", "-"), ("val_", "--")):
            if prefix + column in history:
                axis.plot(history["epoch"] + 1, history[prefix + column], style, label=(prefix or "train_") + column)
        axis.set_xlabel("epoch")
        axis.set_title(column)
        if axis.lines:  # a user's fit compiled without an accuracy metric has no accuracy curve
            axis.legend()
    if any(f["id"] == "loss_diverged" for f in report["findings"]):
        finite = history["loss"].replace([float("inf"), float("-inf")], float("nan"))
        bad = history["epoch"][finite.isna() | (finite >= 1e3)]
        if len(bad):
            loss_axis.axvline(int(bad.iloc[0]) + 1, color="red", linestyle="--", label="diverged")
            loss_axis.legend()
    return _figure_to_data_uri(figure)


def _plot_per_layer(per_epoch: list[dict], title: str, ylabel: str, log: bool = False) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layers = list(per_epoch[0]) if per_epoch and per_epoch[0] else []
    if not layers:
        return None
    figure, axis = plt.subplots(figsize=(8, 3.2))
    for layer in layers:
        axis.plot(range(len(per_epoch)), [row.get(layer, float("nan")) for row in per_epoch], marker=".", label=layer)
    if log:
        axis.set_yscale("log")
    axis.set_xlabel("epoch (0 = before training)")
    axis.set_ylabel(ylabel)
    axis.set_title(title)
    axis.legend(fontsize=7, ncol=2)
    return _figure_to_data_uri(figure)


def plot_probes(report: dict) -> list[tuple[str, str | None]]:
    probes = report.get("probes") or {}
    records = probes.get("records") or []
    return [
        (
            "Gradient norm per layer (probe batch)",
            _plot_per_layer([r.get("gradient_norms", {}) for r in records], "gradient norm", "||g||", log=True),
        ),
        (
            "Dead ReLU units per layer",
            _plot_per_layer([r.get("dead_fraction", {}) for r in records], "share of units never active", "fraction"),
        ),
        (
            "Saturated sigmoid/tanh units per layer",
            _plot_per_layer([r.get("saturated_fraction", {}) for r in records], "share beyond +/-5", "fraction"),
        ),
    ]


def plot_lr_range_test(report: dict) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    test = ((report.get("training") or {}).get("experiments") or {}).get("lr_range_test")
    if not test or "skipped" in test:
        return None
    figure, axis = plt.subplots(figsize=(6, 3.2))
    axis.plot(test["learning_rates"], test["losses"])
    axis.axvline(test["suggested_learning_rate"], color="green", linestyle="--", label="suggested")
    used = report["params"].get("train", {}).get("learning_rate")
    if used:
        axis.axvline(used, color="red", linestyle=":", label="used")
    axis.set_xscale("log")
    finite = [value for value in test["losses"] if value == value and value < float("inf")]
    if finite:
        axis.set_ylim(0, 3 * finite[0])
    axis.set_xlabel("learning rate")
    axis.set_ylabel("smoothed loss")
    axis.legend()
    return _figure_to_data_uri(figure)


def plot_flagged_images(report: dict, limit: int = 40) -> str | None:
    """A grid of the images suspected to be mislabelled, with their given and suggested labels (both of two
    overlapping classes when the label model cannot tell them apart)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    finding = next((f for f in report["findings"] if f["id"] == "suspected_label_errors"), None)
    root = (report.get("dataset") or {}).get("source")
    if not finding or not root:
        return None
    files = finding["evidence"]["files"][:limit]
    columns = min(10, len(files))
    rows = (len(files) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, path in zip(axes.flat, files):
        try:
            with Image.open(Path(root) / path) as image:
                axis.imshow(image.convert("L"), cmap="gray")
        except OSError:
            continue
        evidence = finding["evidence"]
        also = evidence.get("could_also_be", {}).get(path)
        suggested = f"{evidence['suggested'][path]}{f' or {also}' if also else ''}"
        axis.set_title(f"{evidence['given'][path]}→{suggested}", fontsize=8)
    return _figure_to_data_uri(figure)


PAIR_FINDINGS = ("split_leakage", "duplicate_images", "conflicting_labels")


def plot_matched_pairs(report: dict, limit: int = 12) -> str | None:
    """Each claimed copy beside the file it matches, with their pixel distance: the claim, checkable by eye."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from PIL import Image

    root = (report.get("dataset") or {}).get("source")
    pairs = [
        (finding["id"], pair)
        for finding in report["findings"]
        if finding["id"] in PAIR_FINDINGS
        for pair in finding["evidence"].get("pairs", [])
    ][:limit]
    if not pairs or not root:
        return None
    figure, axes = plt.subplots(len(pairs), 2, figsize=(3.6, 1.7 * len(pairs)), squeeze=False)
    for (finding_id, pair), (left, right) in zip(pairs, axes):
        for axis, path in ((left, pair["file"]), (right, pair["matches"])):
            axis.axis("off")
            try:
                with Image.open(Path(root) / path) as image:
                    axis.imshow(image.convert("L"), cmap="gray")
            except OSError:
                continue
            axis.set_title(path[-28:], fontsize=6)
        left.text(
            1.05,
            -0.12,
            f"{finding_id}, distance {pair['distance']:.2f}",
            transform=left.transAxes,
            fontsize=6,
            ha="center",
        )
    return _figure_to_data_uri(figure)


def plot_verifications(report: dict) -> list[tuple[str, str]]:
    """For each tried fix: validation accuracy and loss per epoch, without and with the fix, side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plots = []
    for finding in report["findings"]:
        result = finding["evidence"].get(VERIFICATION)
        if not result:
            continue
        first = result.get("after_epoch", 0) + 1
        epochs = range(first, first + result["epochs"])
        figure, axes = plt.subplots(1, 2, figsize=(10, 3.2))
        for axis, key in zip(axes, ("val_accuracy", "val_loss")):
            for side, style in (("without", "--"), ("with", "-")):
                values = [float("nan") if v is None else v for v in result[side][key]]
                axis.plot(epochs, values, style, marker=".", label=f"{side} the fix")
            axis.set_xlabel("epoch")
            axis.set_title(key)
            axis.legend()
        title = f"Tried for {finding['id']}: {' '.join(result['change'])} (gain {result['gain']:+.2f})"
        plots.append((html.escape(title), _figure_to_data_uri(figure)))
    return plots


def plot_confusion_matrix(report: dict) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = report["metrics"].get("confusion_matrix")
    if not matrix:
        return None
    classes = list(report["metrics"]["per_class"])
    figure, axis = plt.subplots(figsize=(1.2 + 0.45 * len(classes), 1 + 0.45 * len(classes)))
    axis.imshow(matrix, cmap="Blues")
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axis.text(j, i, value, ha="center", va="center", fontsize=8)
    axis.set_xticks(range(len(classes)), classes, rotation=90)
    axis.set_yticks(range(len(classes)), classes)
    axis.set_xlabel("predicted")
    axis.set_ylabel("actual")
    return _figure_to_data_uri(figure)


def plot_class_counts(report: dict) -> str | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = report["dataset"].get("class_counts") or {}
    if not counts:
        return None
    figure, axis = plt.subplots(figsize=(max(4, 0.5 * len(counts)), 3))
    axis.bar(list(counts), list(counts.values()), color="#4a78b5")
    axis.set_ylabel("usable images")
    axis.tick_params(axis="x", rotation=90)
    return _figure_to_data_uri(figure)


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
.verdict{font-size:1.25em;padding:1em;border-radius:6px;background:#eef5ee;border-left:6px solid #3a3}
.verdict.warning{background:#fdf6e3;border-color:#d90}.verdict.critical{background:#fbeaea;border-color:#c33}
.finding{border:1px solid #ddd;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.sev{font-weight:bold;text-transform:uppercase;font-size:.8em;padding:.1em .5em;border-radius:4px;color:#fff}
.sev.critical{background:#c33}.sev.warning{background:#d90}.sev.info{background:#48a}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right}
th{background:#f4f4f4}code{background:#f4f4f4;padding:0 .3em}img{max-width:100%}
"""


def render_html(report: dict, layout: Layout) -> str:
    findings = report["findings"]
    tone = findings[0]["severity"] if findings and findings[0]["severity"] != "info" else "ok"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>cnn-doctor report</title>"
        f"<style>{_STYLE}</style></head><body><h1>cnn-doctor report</h1>",
        f"<p class='verdict {tone}'>{html.escape(report['verdict'])}</p>",
        _metrics_html(report),
        "<h2>Findings</h2>",
    ]
    parts += [_finding_html(finding) for finding in findings] or ["<p>No problems found.</p>"]
    skipped = not_run(report)
    if skipped:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in skipped)
        parts.append(f"<h2>Not run on this model</h2><ul>{items}</ul>")
    plots = [
        ("Learning curves", plot_learning_curves(layout, report)),
        *plot_verifications(report),
        *plot_probes(report),
        ("Learning-rate range test", plot_lr_range_test(report)),
        ("Suspected label errors (given → suggested)", plot_flagged_images(report)),
        ("Copies, each beside the file it matches (mean pixel distance, 0-255)", plot_matched_pairs(report)),
        ("Confusion matrix", plot_confusion_matrix(report)),
        ("Class counts", plot_class_counts(report)),
    ]
    for title, uri in plots:
        if uri:
            parts.append(f"<h2>{title}</h2><img alt='{title}' src='{uri}'>")
    parts.append(f"<h2>Run</h2><pre>{html.escape(_run_text(report))}</pre></body></html>")
    return "\n".join(parts)


def not_run(report: dict) -> list[str]:
    """The quick experiments and fix trials that could not run on this model, each with its reason."""
    training = report.get("training") or {}
    lines = [
        f"{name.replace('_', ' ')}: {result['skipped']}"
        for name, result in (training.get("experiments") or {}).items()
        if "skipped" in result
    ]
    lines += [
        f"trying {' '.join(trial['change'])} for {trial['finding']}: {trial['reason']}"
        for trial in (training.get("verification") or {}).get("skipped", [])
    ]
    return lines


def _metrics_html(report: dict) -> str:
    metrics = report["metrics"]
    if not metrics:
        return ""
    head = "".join(f"<th>{name}</th>" for name in ("class", "precision", "recall", "f1", "support"))
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{row['precision']:.3f}</td><td>{row['recall']:.3f}</td>"
        f"<td>{row['f1']:.3f}</td><td>{row['support']}</td></tr>"
        for name, row in metrics["per_class"].items()
    )
    return (
        f"<h2>Metrics</h2><p>Test accuracy <b>{metrics['test_accuracy']:.4f}</b>, test loss "
        f"{metrics['test_loss']:.4f}, macro F1 {metrics['macro_f1']:.4f}, expected calibration error "
        f"{metrics['expected_calibration_error']:.4f} on {metrics['test_images']} images "
        f"({metrics.get('evaluated_split', 'test')} split).</p><details><summary>Per class</summary>"
        f"<table><tr>{head}</tr>{rows}</table></details>"
    )


def _finding_html(finding: dict) -> str:
    files = finding["evidence"].get("files") or []
    file_list = ""
    if files:
        items = "".join(f"<li><code>{html.escape(str(path))}</code></li>" for path in files)
        file_list = f"<details><summary>{len(files)} file(s)</summary><ul>{items}</ul></details>"
    cause = finding["evidence"].get(CAUSED_BY)
    because = f" <small>caused by <code>{cause}</code></small>" if cause else ""
    worth = impact_text(finding)
    worth = f"{worth} {_tried_text(finding)}".strip()
    return (
        f"<div class='finding'><span class='sev {finding['severity']}'>{finding['severity']}</span> "
        f"<code>{finding['id']}</code> <small>({finding['stage']})</small>{because}"
        f"<p>{html.escape(finding['summary'])}</p>"
        f"<p><b>Fix:</b> {html.escape(finding['recommendation'])}</p>"
        f"{f'<p><small>{html.escape(worth)}</small></p>' if worth else ''}{file_list}</div>"
    )


def impact_text(finding: dict) -> str:
    """'Worth up to 21.3 accuracy points (headroom: ...)', or '' when the impact was not measured."""
    impact = finding["evidence"].get(IMPACT) or {}
    if impact.get("accuracy_bound") is None:
        return ""
    return f"Worth up to {100 * impact['accuracy_bound']:.1f} accuracy points ({impact['how']})."


def _run_text(report: dict) -> str:
    import json

    return json.dumps(
        {
            "dataset": report["dataset"],
            "training": report["training"],
            "params": report["params"],
            "versions": report["versions"],
            "created": report["created"],
        },
        indent=2,
        default=str,
    )


# The report as Markdown, for the Prefect UI's `diagnosis` artifact
KEY_METRICS = (
    ("test_accuracy", "Test accuracy"),
    ("macro_f1", "Macro F1"),
    ("test_loss", "Test loss"),
    ("expected_calibration_error", "Calibration error (ECE)"),
)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def diagnosis_markdown(report: dict, layout: Layout) -> str:
    """The report's verdict, leading cause, findings table and key metrics as Markdown."""
    counts = report["findings_by_severity"]
    lines = [f"# Diagnosis: {report['status'].replace('_', ' ')}", "", f"**Verdict:** {report['verdict']}", ""]
    if report["leading_finding"]:
        lines += [f"**Leading cause:** `{report['leading_finding']}`", ""]
    if fix := report.get("verified_fix"):
        lines += [f"**Verified fix:** `{' '.join(fix['change'])}` (validation accuracy {fix['gain']:+.2f})", ""]
    lines += [f"Findings: {counts['critical']} critical, {counts['warning']} warning, {counts['info']} info", ""]
    metrics = [(label, report["metrics"][key]) for key, label in KEY_METRICS if key in report["metrics"]]
    if metrics:
        lines += ["| Metric | Value |", "|---|---|", *(f"| {label} | {value:.4f} |" for label, value in metrics), ""]
    if report["findings"]:
        lines += ["| Severity | Finding | What was found, and the fix |", "|---|---|---|"]
        lines += [
            f"| {f['severity']} | `{f['id']}` | {_cell(f['summary'])} **Fix:** {_cell(f['recommendation'])} "
            f"{_cell(impact_text(f))} {_cell(_tried_text(f))} |"
            for f in report["findings"]
        ]
        lines.append("")
    lines.append(f"Full report: `{layout.report_html}`")
    return "\n".join(lines)


def _tried_text(finding: dict) -> str:
    tried = finding["evidence"].get(VERIFICATION)
    return effect_text(tried) if tried and helped(tried) else ""  # a refuted cause's summary says it already


def compare_reports(before: dict, after: dict) -> list[str]:
    """What a treatment changed: test accuracy, and the findings (warnings and worse) gone and new."""

    def accuracy(report: dict) -> str:
        value = report["metrics"].get("test_accuracy")
        return "not measured" if value is None else f"{value:.4f}"

    def serious(report: dict) -> set[str]:
        return {f["id"] for f in report["findings"] if f["severity"] != "info"}

    gone, new = sorted(serious(before) - serious(after)), sorted(serious(after) - serious(before))
    return [
        f"Accuracy:  {accuracy(before)} -> {accuracy(after)} on the test split",
        f"Gone:      {', '.join(gone) or 'none'}",
        f"New:       {', '.join(new) or 'none'}",
        f"Verdict:   {after['verdict']}",
    ]


def per_class_rows(report: dict) -> list[dict]:
    return [
        {"class": name, **{key: round(value, 4) if isinstance(value, float) else value for key, value in row.items()}}
        for name, row in report["metrics"].get("per_class", {}).items()
    ]
