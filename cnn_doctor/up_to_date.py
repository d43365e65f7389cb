"""Whether a run would change anything, decided before Prefect starts: DVC's idea, digests compared first.

A completed run records a key (the project's code, every params value, the data's content digest, a model
builder's code) and what it left (each complete stage's digest, the report's). A run whose key and outputs match
that record has nothing to do: every stage would be a cache hit. Anything else runs the flow, whose per-stage
cache then reruns only what changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cnn_doctor.config import PROJECT_ROOT, Params
from cnn_doctor.layout import STAGES, Layout, read_json, stage_digest, write_json

# Everything that decides what a run produces. Broader than each stage's own cache key on purpose: a false
# "changed" costs one flow run of cache hits, a false "unchanged" would show a stale report.
CODE = ("cnn_doctor/**/*.py", "tasks/*.py", "flows/*.py", "expectations/*.json")


def _file_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()


def run_key(params: Params, data: Path, data_fingerprint: str, layout: Layout) -> str:
    """The digest of everything a run's outputs depend on."""
    code = sorted(path for pattern in CODE for path in PROJECT_ROOT.glob(pattern))
    builder = params.model.builder_file
    inputs = {
        "code": {str(path.relative_to(PROJECT_ROOT)): _file_digest(path) for path in code},
        "params": params.as_dict(),
        "data": [str(data), data_fingerprint],
        "out": str(layout.out),
        "builder": _file_digest(builder) if builder and builder.is_file() else None,
    }
    return hashlib.blake2b(json.dumps(inputs, sort_keys=True).encode(), digest_size=16).hexdigest()


def _outputs(layout: Layout) -> dict[str, str]:
    """The digest of each complete stage and of the report, as they are now."""
    outputs = {stage: stage_digest(layout, stage) for stage in STAGES if layout.is_complete(stage)}
    if layout.report_json.is_file():
        outputs["report"] = _file_digest(layout.report_json)
    return outputs


def record_run(layout: Layout, key: str) -> None:
    """Remember a completed run: its key and the outputs it left."""
    write_json(layout.last_run, {"key": key, "outputs": _outputs(layout)})


def is_up_to_date(layout: Layout, key: str) -> bool:
    """True when the last completed run had this key and its outputs are still in place, unchanged."""
    try:
        record = read_json(layout.last_run)
        return record["key"] == key and "report" in record["outputs"] and record["outputs"] == _outputs(layout)
    except (OSError, ValueError, KeyError, TypeError):  # no record yet, or one (or a marker) that is not ours
        return False
