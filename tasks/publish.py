"""The report as Prefect tasks: write it, and show it in the Prefect UI (artifacts) and the run's logs."""

from __future__ import annotations

from prefect import task

from cnn_doctor.layout import Layout, read_json
from cnn_doctor.report import diagnosis_markdown, per_class_rows, write_report
from cnn_doctor.run_context import in_prefect_run, run_logger

# the report of the stages run so far: after evaluate, or where a gate stopped the run
write_report_task = task(write_report, name="write-report")


@task(name="publish")
def publish(layout: Layout) -> dict:
    """Publish the written report as Prefect artifacts: diagnosis summary, per-class metrics, report link."""
    report = read_json(layout.report_json)
    if in_prefect_run():
        from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

        create_markdown_artifact(
            key="diagnosis", markdown=diagnosis_markdown(report, layout), description=report["verdict"]
        )
        if rows := per_class_rows(report):
            create_table_artifact(key="per-class-metrics", table=rows, description="Per-class test metrics")
        create_link_artifact(
            key="report",
            link=layout.report_html.as_uri(),
            link_text=str(layout.report_html),
            description="The full HTML report (open it on the machine that ran the flow)",
        )
    run_logger().info("%s Report: %s", report["verdict"], layout.report_html)
    return {
        "status": report["status"],
        "verdict": report["verdict"],
        "leading_finding": report["leading_finding"],
        "test_accuracy": report["metrics"].get("test_accuracy"),
        "out": str(layout.out),
    }
