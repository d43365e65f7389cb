"""The doctor: one module per finding family, each holding its findings' detection, wording and advice.

`FAMILIES` (held by cnn_doctor/findings.py, the layer below) is the registry: the finding ids each family module
alone produces. `judge` decides their final severity, impact, causes and order; `cnn_doctor.report` only renders.
tests/test_findings_catalogue.py checks that every catalogue id has exactly one home and that no other module
constructs it.
"""

from cnn_doctor.findings import FAMILIES


def family_of(finding_id: str) -> str:
    """The module (under cnn_doctor/doctor/) that produces a finding."""
    return next(family for family, ids in FAMILIES.items() if finding_id in ids)
