"""The one judgement of a run: every finding's final severity, impact, causes and order.

The report renders what this decides, and the train stage chooses which fix to try from the same judgement
(with the findings known by then: validate's and its own), so the cause the report leads with is the cause
whose fix was tried.
"""

from __future__ import annotations

from cnn_doctor.doctor.causes import link_causes
from cnn_doctor.doctor.dataset_checks import with_network_opinion
from cnn_doctor.doctor.impact import impact_bound, with_impact
from cnn_doctor.findings import LABEL_CHECK, SEVERITY_RANK, Finding, sort_findings


def judge(findings: list[Finding], metrics: dict, usable_images: int | None) -> list[Finding]:
    """The network's opinion on validate's label flags, then each finding's impact (severity follows it), then
    causes linked and ordered: a cause before its symptoms, a symptom no cause explains says so."""
    findings = with_network_opinion(findings, metrics.get(LABEL_CHECK) or {})
    return link_causes(sort_findings(one_per_id(with_impact(findings, metrics, usable_images))))


def one_per_id(findings: list[Finding]) -> list[Finding]:
    """One finding per problem: two stages may measure the same one (batch statistics on the weights training
    ended with, then on the restored ones); the report keeps the more severe, then the costlier."""

    def weight(finding: Finding) -> tuple[int, float]:
        return -SEVERITY_RANK[finding.severity], impact_bound(finding)

    kept: dict[str, Finding] = {}
    for finding in findings:
        if finding.id not in kept or weight(finding) > weight(kept[finding.id]):
            kept[finding.id] = finding
    return list(kept.values())
