"""publish: show the report in the Prefect UI (artifacts) and in the run's logs."""

from __future__ import annotations

from prefect import task

from cnn_doctor.layout import Layout, read_json
from cnn_doctor.run_context import in_prefect_run, run_logger

KEY_METRICS = (("test_accuracy", "Test accuracy"), ("macro_f1", "Macro F1"), ("test_loss", "Test loss"),
               ("expected_calibration_error", "Calibration error (ECE)"))


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def diagnosis_markdown(report: dict, layout: Layout) -> str:
    """The report's verdict, leading cause, findings table and key metrics as Markdown."""
    counts = report["findings_by_severity"]
    lines = [f"# Diagnosis: {report['status'].replace('_', ' ')}", "", f"**Verdict:** {report['verdict']}", ""]
    if report["leading_finding"]:
        lines += [f"**Leading cause:** `{report['leading_finding']}`", ""]
    lines += [f"Findings: {counts['critical']} critical, {counts['warning']} warning, {counts['info']} info", ""]
    metrics = [(label, report["metrics"][key]) for key, label in KEY_METRICS if key in report["metrics"]]
    if metrics:
        lines += ["| Metric | Value |", "|---|---|", *(f"| {label} | {value:.4f} |" for label, value in metrics), ""]
    if report["findings"]:
        lines += ["| Severity | Finding | What was found, and the fix |", "|---|---|---|"]
        lines += [f"| {f['severity']} | `{f['id']}` | {_cell(f['summary'])} **Fix:** {_cell(f['recommendation'])} |"
                  for f in report["findings"]]
        lines.append("")
    lines.append(f"Full report: `{layout.report_html}`")
    return "\n".join(lines)


def per_class_rows(report: dict) -> list[dict]:
    return [{"class": name, **{key: round(value, 4) if isinstance(value, float) else value
                                for key, value in row.items()}}
            for name, row in report["metrics"].get("per_class", {}).items()]


@task(name="publish")
def publish(layout: Layout) -> dict:
    """Publish the written report as Prefect artifacts: diagnosis summary, per-class metrics, report link."""
    report = read_json(layout.report_json)
    if in_prefect_run():
        from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

        create_markdown_artifact(key="diagnosis", markdown=diagnosis_markdown(report, layout),
                                 description=report["verdict"])
        if rows := per_class_rows(report):
            create_table_artifact(key="per-class-metrics", table=rows, description="Per-class test metrics")
        create_link_artifact(key="report", link=layout.report_html.as_uri(), link_text=str(layout.report_html),
                             description="The full HTML report (open it on the machine that ran the flow)")
    run_logger().info("%s Report: %s", report["verdict"], layout.report_html)
    return {"status": report["status"], "verdict": report["verdict"], "leading_finding": report["leading_finding"],
            "test_accuracy": report["metrics"].get("test_accuracy"), "out": str(layout.out)}
