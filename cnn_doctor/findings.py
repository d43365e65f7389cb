"""Findings: the problems the report names (ids from docs/FINDINGS.md, a public interface)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cnn_doctor.doctor import FAMILIES

# every id the report may name: the finding families' ids (cnn_doctor/doctor/__init__.py), one home each
FINDING_IDS = frozenset(finding_id for ids in FAMILIES.values() for finding_id in ids)
SEVERITIES = ("critical", "warning", "info")  # most severe first
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    stage: str
    summary: str
    recommendation: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.id not in FINDING_IDS:
            raise ValueError(f"Unknown finding id {self.id!r}; add it to docs/FINDINGS.md first.")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"Unknown severity {self.severity!r} for finding {self.id!r}.")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Order findings most severe first, keeping the stage order within a severity."""
    return sorted(findings, key=lambda finding: SEVERITY_RANK[finding.severity])


def matches(finding: Finding, selectors: tuple[str, ...]) -> bool:
    """Whether a finding is named by a `fail_on` list of ids and severities."""
    return finding.id in selectors or finding.severity in selectors


def count_by_severity(findings: list[Finding]) -> dict[str, int]:
    return {severity: sum(f.severity == severity for f in findings) for severity in SEVERITY_RANK}


def load_findings(path: Path) -> list[Finding]:
    if not path.is_file():
        return []
    return [Finding(**item) for item in json.loads(path.read_text())]
