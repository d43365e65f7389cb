"""Prefect cache keys for stages: the stage's code, the params it reads, and its inputs' content digests."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from prefect.cache_policies import CachePolicy

PROJECT_PACKAGES = ("tasks", "cnn_doctor")


def stable_form(value: Any) -> Any:
    """A JSON-able form of a task input that is the same in every process (no pickles, no set order)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        return {name: stable_form(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(key): stable_form(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stable_form(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(stable_form(item) for item in value)
    return value


PROJECT_ROOT = Path(__file__).resolve().parent.parent


def imported_project_modules(path: Path) -> set[str]:
    """The project modules a file imports, at its top or inside a function (lazy imports run too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return {name for name in names if name.split(".")[0] in PROJECT_PACKAGES}


def module_path(name: str) -> Path | None:
    """The file of a project module or package (None for a name that is a function or class, not a module)."""
    base = PROJECT_ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def code_files(module: ModuleType | str) -> list[Path]:
    """Every project file the stage module runs: its transitive project imports (lazy ones included), the
    packages they live in, plus any data files it declares. The one answer to "what code does this stage
    run" for Prefect's cache keys, the up-to-date check and dvc.yaml's deps (tests hold them equal)."""
    name = module if isinstance(module, str) else module.__name__
    seen, queue = set(), [name]
    while queue:
        current = queue.pop()
        parts = current.split(".")
        for depth in range(1, len(parts) + 1):  # a module runs its packages' __init__ first
            path = module_path(".".join(parts[:depth]))
            if path is not None and path not in seen:
                seen.add(path)
                queue += sorted(imported_project_modules(path))
    data_files = getattr(sys.modules.get(name), "CACHE_DATA_FILES", lambda: [])()
    return sorted(seen) + sorted(data_files)


@dataclass
class StageCache(CachePolicy):
    """Key = the stage's code + its inputs (params sections and upstream output digests)."""

    def compute_key(self, task_ctx, inputs: dict[str, Any], flow_parameters: dict[str, Any], **kwargs: Any) -> str:
        module = sys.modules[task_ctx.task.fn.__module__]
        hasher = hashlib.blake2b(digest_size=16)
        for path in code_files(module):
            hasher.update(path.read_bytes())
        hasher.update(json.dumps(stable_form(inputs), sort_keys=True, default=str).encode())
        for value in inputs.values():  # a user's model builder is code too: editing it retrains
            builder = getattr(value, "builder_file", None)
            if builder is not None and builder.is_file():
                hasher.update(builder.read_bytes())
        return hasher.hexdigest()


STAGE_CACHE = StageCache()

# what `cnn-doctor stage NAME` runs besides the stage module: evaluate, the last stage, writes the report
DVC_STAGE_EXTRAS = {"evaluate": ("cnn_doctor.report",)}


def dvc_code_deps(stage: str) -> list[str]:
    """The code files dvc.yaml lists for a stage (relative to the project): the stage's code, and what the DVC
    stage command runs after it."""
    files = {path for name in (f"tasks.{stage}", *DVC_STAGE_EXTRAS.get(stage, ())) for path in code_files(name)}
    return sorted(path.relative_to(PROJECT_ROOT).as_posix() for path in files if path.suffix == ".py")


def rewrite_dvc_deps(dvc_file: Path = PROJECT_ROOT / "dvc.yaml") -> None:
    """Write each stage's computed code files into dvc.yaml's deps, in place of the listed ones (other deps,
    comments and order kept): `python -m cnn_doctor.caching` after adding or moving a module."""
    import re

    lines, stage, written = [], None, False
    for line in dvc_file.read_text().splitlines():
        if match := re.match(r"^  (\w+):$", line):
            stage, written = match.group(1), False
        if re.match(r"^      - (tasks|cnn_doctor)/.*\.py$", line):
            if not written:
                lines += [f"      - {path}" for path in dvc_code_deps(stage)]
                written = True
            continue
        lines.append(line)
    dvc_file.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    rewrite_dvc_deps()
