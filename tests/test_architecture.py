"""Imports run downward: entry points (cnn_doctor/commands) -> flows -> stages (tasks) -> the core (cnn_doctor)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cnn_doctor.layout import STAGES

from helpers import PROJECT_ROOT

ENTRY_POINTS = "cnn_doctor.commands"


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts).removesuffix(".__init__")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function (lazy imports count too)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return imported


def modules_under(folder: str) -> dict[str, set[str]]:
    return {module_name(path): imported_modules(path) for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))}


def is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


CORE = {name: imports for name, imports in modules_under("cnn_doctor").items() if not is_within(name, ENTRY_POINTS)}


@pytest.mark.parametrize("module", sorted(CORE))
def test_the_core_imports_no_stage_flow_or_entry_point(module):
    upward = {name for name in CORE[module] if any(is_within(name, p) for p in ("tasks", "flows", ENTRY_POINTS))}
    assert not upward, f"{module} imports {sorted(upward)}: the core must not depend on the layers above it"


@pytest.mark.parametrize("module", sorted(modules_under("tasks")))
def test_a_stage_imports_neither_another_stage_nor_the_flows(module):
    imports = modules_under("tasks")[module]
    upward = {name for name in imports if is_within(name, "flows") or is_within(name, ENTRY_POINTS)}
    siblings = {name for name in imports if is_within(name, "tasks") and not is_within(name, module)}
    assert not upward and not siblings, f"{module} imports {sorted(upward | siblings)}"


def test_flows_never_import_the_entry_points():
    for module, imports in modules_under("flows").items():
        assert not {name for name in imports if is_within(name, ENTRY_POINTS)}, module


def test_tasks_holds_the_five_stages_and_the_report_tasks_only():
    names = {path.stem for path in (PROJECT_ROOT / "tasks").glob("*.py")} - {"__init__"}
    assert names == {*STAGES, "publish"}


def test_benchmarks_do_not_import_the_tests():
    for module, imports in modules_under("bench").items():
        from_tests = {name for name in imports if name.split(".")[0] in ("helpers", "conftest", "tests")}
        assert not from_tests and not any(name.startswith("test_") for name in imports), module


def test_the_report_only_renders_what_the_judge_decided():
    """Severity, impact, causes and order are decided in one place (cnn_doctor.doctor.judge), used by the report
    and by the choice of the fix to try: the report itself imports none of the deciding modules."""
    imports = imported_modules(PROJECT_ROOT / "cnn_doctor" / "report.py")
    deciding = {"cnn_doctor.doctor.causes", "cnn_doctor.doctor.impact", "cnn_doctor.findings.sort_findings"}
    assert not imports & deciding, sorted(imports & deciding)
    assert "cnn_doctor.doctor.judge.judge" in imports
    chooser = imported_modules(PROJECT_ROOT / "cnn_doctor" / "doctor" / "examination.py")  # picks the fix to try
    assert "cnn_doctor.doctor.judge.judge" in chooser and "cnn_doctor.doctor.causes" not in chooser


# Inside the core, floors from the top: the doctor reads and trains networks, the training machinery reads
# data, and the foundation (params, findings, paths, records, logging helpers) knows none of them.
FLOORS = (
    ("cnn_doctor.doctor", ()),
    ("cnn_doctor.training", ("cnn_doctor.doctor",)),
    ("cnn_doctor.data", ("cnn_doctor.doctor", "cnn_doctor.training")),
)
FOUNDATION = ("config", "findings", "layout", "records", "quiet", "progress", "run_context", "parallel")


@pytest.mark.parametrize("package, forbidden", FLOORS, ids=[package for package, _ in FLOORS])
def test_each_floor_of_the_core_imports_only_downward(package, forbidden):
    upward = {
        f"{module} -> {name}"
        for module, imports in CORE.items()
        if is_within(module, package)
        for name in imports
        if any(is_within(name, above) for above in forbidden)
    }
    assert not upward, sorted(upward)


@pytest.mark.parametrize("module", FOUNDATION)
def test_the_foundation_imports_no_floor_above_it(module):
    imports = CORE[f"cnn_doctor.{module}"]
    above = ("cnn_doctor.doctor", "cnn_doctor.training", "cnn_doctor.data", "cnn_doctor.report")
    assert not {name for name in imports if any(is_within(name, floor) for floor in above)}, module


# Entry points whose parameters are the user's interface (keyword arguments with defaults, as in `model.fit`, and
# the flow's form in the Prefect UI): the rest take typed records instead of long parameter lists.
PUBLIC_SIGNATURES = {
    "cnn_doctor.script_diagnosis.diagnose",
    "cnn_doctor.callback.DoctorCallback.__init__",
    "flows.train_and_diagnose.train_and_diagnose",
}
MAX_PARAMETERS = 6


def test_no_function_takes_more_than_six_parameters():
    crowded = []
    for folder in ("cnn_doctor", "tasks", "flows"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for parent in ast.walk(tree):
                for node in ast.iter_child_nodes(parent):
                    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                        continue
                    arguments = node.args
                    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
                    count = len([name for name in names if name not in ("self", "cls")])
                    owner = f".{parent.name}" if isinstance(parent, ast.ClassDef) else ""
                    qualified = f"{module_name(path)}{owner}.{node.name}"
                    if count > MAX_PARAMETERS and qualified not in PUBLIC_SIGNATURES:
                        crowded.append(f"{qualified} ({count})")
    assert crowded == []
