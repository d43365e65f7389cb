"""The findings catalogue (docs/FINDINGS.md) and the code name the same ids: they are a public interface."""

from __future__ import annotations

import re

from cnn_doctor.config import PROJECT_ROOT
from cnn_doctor.findings import FINDING_IDS

CATALOGUE = PROJECT_ROOT / "docs" / "FINDINGS.md"


def test_the_code_knows_exactly_the_catalogues_ids():
    catalogued = re.findall(r"^\| `([a-z_]+)` \|", CATALOGUE.read_text(), re.MULTILINE)
    assert len(catalogued) == len(set(catalogued)), "an id is catalogued twice"
    assert set(catalogued) == FINDING_IDS
