"""Prefect cache keys for stages: the stage's code, the params it reads, and its inputs' content digests."""

from __future__ import annotations

import hashlib
import inspect
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


def code_files(module: ModuleType) -> list[Path]:
    """The stage module and the project modules it uses directly, plus any data files it declares."""
    used = {module}
    for value in vars(module).values():
        owner = value if inspect.ismodule(value) else sys.modules.get(getattr(value, "__module__", "") or "")
        if owner is not None and owner.__name__.split(".")[0] in PROJECT_PACKAGES:
            used.add(owner)
    files = [Path(m.__file__) for m in used if getattr(m, "__file__", None)]
    return sorted(files) + sorted(getattr(module, "CACHE_DATA_FILES", lambda: [])())


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
