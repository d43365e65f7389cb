"""Where every output lives (the one place that names paths), and atomic writes."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnn_doctor.config import UserError

STAGES = ("validate", "preprocess", "augment", "train", "evaluate")
COMPLETE_MARKER = "_complete.json"
LOCK_FILE = ".lock"


class OutputFolderInUse(UserError):
    """Another run holds the output folder's lock."""


# Locks this process holds: lock file -> [file descriptor, nesting depth]. A run takes its folder's lock
# in the CLI and again in the flow; flock would refuse the second open in the same process.
_held_locks: dict[Path, list[int]] = {}
_held_locks_guard = threading.Lock()


@dataclass(frozen=True)
class Layout:
    """The output folder of one run: one sub-folder per stage, the report at the top."""

    out: Path

    def stage_dir(self, stage: str) -> Path:
        if stage not in STAGES:
            raise ValueError(f"Unknown stage {stage!r}; stages are {', '.join(STAGES)}.")
        return self.out / stage

    # validate
    @property
    def manifest(self) -> Path:
        return self.stage_dir("validate") / "manifest.csv"

    def findings(self, stage: str) -> Path:
        return self.stage_dir(stage) / "findings.json"

    def summary(self, stage: str) -> Path:
        """What a stage did, for people and the report (its params included)."""
        return self.stage_dir(stage) / "summary.json"

    def record(self, stage: str) -> Path:
        """What a stage hands the next (`cnn_doctor.records`), read back when stages run in separate processes."""
        return self.stage_dir(stage) / "record.json"

    @property
    def expectation_results(self) -> Path:
        return self.stage_dir("validate") / "expectation_results.json"

    def read_manifest(self, columns: tuple[str, ...] | None = None):
        """validate's table of every image (a pandas DataFrame), or only the given columns that it has."""
        import pandas as pd

        wanted = None if columns is None else (lambda column: column in columns)
        return pd.read_csv(
            self.manifest, usecols=wanted, dtype={"path": "string", "label": "string", "split": "string"}
        )

    # preprocess
    @property
    def splits(self) -> Path:
        """Every usable image's split, in shard order: row i of a split is image i of its shards."""
        return self.stage_dir("preprocess") / "splits.csv"

    # train
    @property
    def model(self) -> Path:
        return self.stage_dir("train") / "model.keras"

    @property
    def model_outputs(self) -> Path:
        """The trained model's raw outputs on the splits evaluate scores (evaluate never deserialises the model:
        a user's unregistered custom objects could not be loaded back)."""
        return self.stage_dir("train") / "outputs.npz"

    @property
    def history(self) -> Path:
        return self.stage_dir("train") / "history.csv"

    @property
    def backup(self) -> Path:
        """Training checkpoints for resuming a killed run; kept outside the stage folder."""
        return self.out / ".train-backup"

    @property
    def training_log(self) -> Path:
        """Keras' CSVLogger rows of the epochs run so far, kept with the checkpoints."""
        return self.backup / "history.csv"

    @property
    def tensorboard(self) -> Path:
        """TensorBoard event files (train.tensorboard); an append-only log, not a stage output."""
        return self.out / "tensorboard"

    # evaluate
    @property
    def metrics(self) -> Path:
        return self.stage_dir("evaluate") / "metrics.json"

    @property
    def per_class_metrics(self) -> Path:
        return self.stage_dir("evaluate") / "per_class.csv"

    @property
    def confusion_matrix(self) -> Path:
        return self.stage_dir("evaluate") / "confusion_matrix.csv"

    @property
    def predictions(self) -> Path:
        return self.stage_dir("evaluate") / "predictions.csv"

    @property
    def report_json(self) -> Path:
        return self.out / "report.json"

    @property
    def report_html(self) -> Path:
        return self.out / "report.html"

    @property
    def last_run(self) -> Path:
        """What the last completed run used and produced (`cnn_doctor.up_to_date`): a no-op run reads only it."""
        return self.out / ".last-run.json"

    @property
    def lock_file(self) -> Path:
        return self.out / LOCK_FILE

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the output folder for a whole run: an exclusive flock on `<out>/.lock`; refuse when taken.

        The kernel releases a flock when its process dies, so a killed run never blocks the next one.
        Re-entrant within a process (the CLI and the flow it runs both take it).
        """
        path = self.lock_file
        with _held_locks_guard:
            if path in _held_locks:
                _held_locks[path][1] += 1
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = os.read(descriptor, 64).decode(errors="replace").strip()
                    os.close(descriptor)
                    raise OutputFolderInUse(
                        f"output folder {self.out} is in use by another cnn-doctor run "
                        f"({f'process {holder}, ' if holder.isdigit() else ''}holding {path}); wait for it to "
                        "finish, or choose another output folder (--out or data.out)"
                    ) from None
                os.ftruncate(descriptor, 0)
                os.write(descriptor, f"{os.getpid()}\n".encode())
                _held_locks[path] = [descriptor, 1]
        try:
            yield
        finally:
            with _held_locks_guard:
                entry = _held_locks[path]
                entry[1] -= 1
                if entry[1] == 0:
                    del _held_locks[path]
                    os.close(entry[0])  # releases the flock; the file stays (removing it would race)

    def is_complete(self, stage: str) -> bool:
        return (self.stage_dir(stage) / COMPLETE_MARKER).is_file()

    @contextmanager
    def writing_stage(self, stage: str) -> Iterator[Path]:
        """Yield a scratch folder that replaces the stage folder only once the stage succeeds.

        An interrupted stage leaves only a `.tmp-*` folder that no later run trusts; the previous
        complete outputs stay in place until the new ones are ready. A killed run's leftover scratch
        folders of this stage are removed here (runs into one folder are serialised by `lock`).
        """
        final = self.stage_dir(stage)
        for leftover in [*self.out.glob(f".tmp-{stage}-*"), *self.out.glob(f".old-{stage}-*")]:
            shutil.rmtree(leftover, ignore_errors=True)
        scratch = self.out / f".tmp-{stage}-{uuid.uuid4().hex[:8]}"
        scratch.mkdir(parents=True)
        try:
            yield scratch
            write_json(scratch / COMPLETE_MARKER, {"stage": stage, "digest": digest_tree(scratch)})
            replace_directory(scratch, final)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)


def replace_directory(source: Path, target: Path) -> None:
    """Move `source` to `target`, swapping out any previous `target` with two renames."""
    retired = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
    if target.exists():
        target.rename(retired)
    source.rename(target)
    shutil.rmtree(retired, ignore_errors=True)


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file atomically: a temporary file in the same folder, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, payload: Any) -> None:
    write_text(path, json.dumps(payload, indent=2, sort_keys=False, default=str) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def digest_files(paths: list[Path], root: Path) -> str:
    """Content digest of files, including their names relative to `root`."""
    hasher = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        hasher.update(str(path.relative_to(root)).encode())
        hasher.update(b"\0")
        hasher.update(hashlib.blake2b(path.read_bytes(), digest_size=16).digest())
    return hasher.hexdigest()


def digest_tree(root: Path) -> str:
    """Content digest of every file under a folder (the completion marker excluded)."""
    files = [path for path in root.rglob("*") if path.is_file() and path.name != COMPLETE_MARKER]
    return digest_files(files, root)


def stage_digest(layout: Layout, stage: str) -> str:
    """The digest recorded when a stage completed: what downstream cache keys depend on."""
    return read_json(layout.stage_dir(stage) / COMPLETE_MARKER)["digest"]
