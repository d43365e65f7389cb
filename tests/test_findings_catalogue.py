"""The findings catalogue (docs/FINDINGS.md) and the code name the same ids: they are a public interface."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cnn_doctor.config import PROJECT_ROOT
from cnn_doctor.doctor import FAMILIES, family_of
from cnn_doctor.findings import FINDING_IDS

CATALOGUE = PROJECT_ROOT / "docs" / "FINDINGS.md"


def test_the_code_knows_exactly_the_catalogues_ids():
    catalogued = re.findall(r"^\| `([a-z_]+)` \|", CATALOGUE.read_text(), re.MULTILINE)
    assert len(catalogued) == len(set(catalogued)), "an id is catalogued twice"
    assert set(catalogued) == FINDING_IDS


def test_every_finding_has_exactly_one_family():
    homes = [finding_id for ids in FAMILIES.values() for finding_id in ids]
    assert len(homes) == len(set(homes)), "a finding id is registered in two families"
    assert set(homes) == FINDING_IDS


def constructed_ids(path: Path) -> set[str]:
    """The finding ids a module constructs: the first argument of `Finding(...)` or `_finding(...)` calls."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Finding", "_finding") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def test_only_its_family_module_constructs_a_finding():
    for path in sorted([*PROJECT_ROOT.glob("cnn_doctor/**/*.py"), *PROJECT_ROOT.glob("tasks/*.py")]):
        module = path.stem
        for finding_id in constructed_ids(path):
            assert path.parent.name == "doctor" and module == family_of(finding_id), (
                f"{path.relative_to(PROJECT_ROOT)} constructs {finding_id!r}, whose home is "
                f"cnn_doctor/doctor/{family_of(finding_id)}.py"
            )
