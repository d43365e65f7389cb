"""Real faulty programs from published bug benchmarks (the catalogue: bench/real_programs/), each run faulty and
fixed through the whole pipeline, scored the way the fault-localisation literature scores its tools:

- detected: the faulty program's report has a warning or critical finding;
- root cause right: the report's first warning/critical finding is one of the program's `root_causes`, or it
  carries a verified fix (evidence.verification: gain >= needed_gain) whose change amounts to the real fix
  (`fix_equivalents`);
- false alarm: the fixed program's report has a warning or critical finding.

Run: .venv/bin/python bench/real_programs.py --split dev            (about a minute a program on 2 cores)
     .venv/bin/python bench/real_programs.py --split dev --only tf3916
     .venv/bin/python bench/real_programs.py --check                (builds every model, one training step; no pipeline)
     .venv/bin/python bench/real_programs.py --split dev --keep     (keeps each run's data and report.json)
Writes bench/results/real_programs_<split>.md (and .json); with --only, real_programs_<split>_only-<text>.md.
The "held", "held2", "held3", "held4" and "held5" splits are kept aside: tune nothing on them.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # `real_programs` is the catalogue package there (a package wins over a module)

import real_programs as catalogue  # noqa: E402

from cnn_doctor.config import load_params  # noqa: E402
from cnn_doctor.data.sources import write_digits  # noqa: E402
from cnn_doctor.findings import FINDING_IDS  # noqa: E402
from cnn_doctor.layout import Layout  # noqa: E402

# What every program shares: the seconds-fast label model, no rotation or zoom unless the program augments so,
# and early stopping after 4 epochs without progress (a program's own params come after and win).
COMMON = (
    "validate.label_model=linear",
    "augment.rotation=0.0",
    "augment.zoom=0.0",
    "train.early_stopping_patience=4",
)
SERIOUS = ("critical", "warning")
REACHED = 0.03  # a fixed version this close to the label model's reference accuracy is healthy by measurement
VERSIONS = ("faulty", "fixed")


# ------------------------------------------------------------------------------------------------- datasets
def fashion_source(folder: Path, per_class: int) -> Path:
    """Fashion-MNIST's first `per_class` training photos of each class, in class folders named by class."""
    from cnn_doctor.data.fashion_mnist import write_fashion_mnist

    if not (folder / "trouser").is_dir():
        write_fashion_mnist(folder, train_per_class=per_class, test_per_class=0)
        (folder / "manifest.csv").unlink()
    return folder


class Sources:
    """The two image sources, written once per run into a scratch folder when a program first needs them."""

    def __init__(self, scratch: Path, fashion_per_class: int):
        self.scratch, self.fashion_per_class, self.made = scratch, fashion_per_class, {}

    def __getitem__(self, dataset: str) -> Path:
        if dataset not in self.made:
            if dataset == "digits":
                self.made[dataset] = write_digits(self.scratch / "digits")
            elif dataset == "fashion":
                self.made[dataset] = fashion_source(self.scratch / "fashion", self.fashion_per_class)
            else:
                raise ValueError(f"unknown dataset {dataset!r}")
        return self.made[dataset]


# ------------------------------------------------------------------------------------------------ scoring
def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or "(no message)"
    return f"{type(error).__name__}: {text}"[:200]


def serious_findings(report: dict) -> list[dict]:
    return [finding for finding in report.get("findings", []) if finding["severity"] in SERIOUS]


def amounts_to_fix(change: str, key: str, program) -> bool:
    """Whether one line of a verified change (evidence.verification["change"]) is the real fix `key`."""
    rate = re.search(r"learning_rate=([0-9.eE+-]+)", change)
    if key in ("lr_down", "lr_up"):
        if not rate or program.faulty_learning_rate is None:
            return False
        tried = float(rate.group(1))
        return tried < program.faulty_learning_rate if key == "lr_down" else tried > program.faulty_learning_rate
    return {
        "epochs": "train.epochs=" in change,
        "normalize": bool(re.search(r"preprocess\.normalize=(unit|standard)", change)),
        "unnormalize": "preprocess.normalize=none" in change,
        "softmax": "softmax" in change,
        "init": "initialis" in change or "kernel_initializer" in change,
    }[key]


def verified_real_fix(finding: dict, program) -> bool:
    """The finding's tried fix gained at least what chance does not explain and amounts to the real fix."""
    result = finding.get("evidence", {}).get("verification")
    if not result or result.get("gain") is None or result["gain"] < result.get("needed_gain", 0.02):
        return False
    return any(amounts_to_fix(change, key, program) for change in result["change"] for key in program.fix_equivalents)


def score(program, outcomes: dict) -> dict:
    """One table row from the faulty and fixed outcomes ({"report": ...} or {"crash": ...}, and "seconds")."""
    faulty, fixed = outcomes["faulty"], outcomes["fixed"]
    row = {
        "program": program.name,
        "origin": program.origin,
        "dataset": program.dataset,
        "split": program.split,
        "category": program.category,
        "fault": program.fault,
        "fix": program.fix,
        "fix_kind": program.fix_kind,
        "root_causes": list(program.root_causes),
        "seconds": round(faulty["seconds"] + fixed["seconds"], 1),
    }
    if "crash" in faulty:
        row.update(led="CRASH: " + faulty["crash"], detected=False, root_cause_right=False, faulty_accuracy=None)
    else:
        found = serious_findings(faulty["report"])
        led = found[0] if found else None
        by_verification = bool(led) and led["id"] not in program.root_causes and verified_real_fix(led, program)
        row.update(
            led=led["id"] if led else "none",
            led_severity=led["severity"] if led else None,
            faulty_findings=[f["id"] for f in found],
            detected=bool(found),
            root_cause_right=bool(led) and (led["id"] in program.root_causes or by_verification),
            right_by_verification=by_verification,
            faulty_accuracy=faulty["report"].get("metrics", {}).get("test_accuracy"),
        )
    if "crash" in fixed:
        row.update(fixed_findings="CRASH: " + fixed["crash"], false_alarm=False, fixed_accuracy=None)
    else:
        found = [f["id"] for f in serious_findings(fixed["report"])]
        metrics = fixed["report"].get("metrics", {})
        reference = (metrics.get("reference") or {}).get("accuracy")
        row.update(
            fixed_findings=found,
            false_alarm=bool(found),
            fixed_accuracy=metrics.get("test_accuracy"),
            fixed_reference=reference,
            # the fixed version is healthy by measurement: within REACHED of what the label model reaches
            fixed_reaches_reference=bool(reference and (metrics.get("test_accuracy") or 0) >= reference - REACHED),
        )
    row["crashes"] = sum("crash" in outcome for outcome in (faulty, fixed))
    return row


# ------------------------------------------------------------------------------------------------ running
def run_version(program, which: str, sources: Sources, scratch: Path) -> dict:
    """Run one side of a program through the pipeline, in-process; an exception is recorded, never raised."""
    import keras

    from flows.pipeline import PLAIN_CALLS, run_pipeline

    started = time.perf_counter()
    try:
        folder = scratch / program.name / which
        folder.mkdir(parents=True)
        data = program.data(which)(folder, sources[program.dataset])
        params = load_params(None, [*COMMON, *program.params(which)])
        outcome = run_pipeline(PLAIN_CALLS, params, data, "", Layout(folder / "out"))
        if outcome.report is None:
            raise RuntimeError(f"the pipeline stopped at {outcome.stopped_at} without a report")
        result = {"report": outcome.report}
    except Exception as error:  # one program's failure is a row, not the end of the benchmark
        result = {"crash": one_line(error)}
    finally:
        keras.backend.clear_session()
        gc.collect()
    return {**result, "seconds": time.perf_counter() - started}


def mark(ids) -> str:
    """Finding ids for the table; proposed ids (not yet in docs/FINDINGS.md) get a star."""
    if isinstance(ids, str):
        return ids
    return ", ".join(f"{i}*" if i not in FINDING_IDS else i for i in ids) or "none"


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def accuracy(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def table_row(row: dict) -> str:
    right = "yes (verified fix)" if row.get("right_by_verification") else ("yes" if row["root_cause_right"] else "NO")
    return (
        "| "
        + " | ".join(
            cell(value)
            for value in (
                row["program"],
                row["origin"],
                row["dataset"],
                row["fault"],
                row["fix"],
                mark(row["root_causes"]),
                row["led"],
                "yes" if row["detected"] else "NO",
                right,
                mark(row["fixed_findings"]),
                f"{accuracy(row['faulty_accuracy'])} -> {accuracy(row['fixed_accuracy'])}",
                f"{row['seconds']:.0f}",
            )
        )
        + " |"
    )


HEADER = (
    "| program | origin | dataset | fault | real fix | expected ids | led with | detected | root cause right "
    "| fixed-version findings | test accuracy faulty -> fixed | seconds |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


def totals(rows: list[dict]) -> str:
    count = len(rows)
    if not count:
        return "No program selected."

    def share(key: str) -> str:
        hits = sum(bool(row[key]) for row in rows)
        return f"{hits}/{count} ({100 * hits / count:.0f}%)"

    crashes = sum(row["crashes"] for row in rows)
    healthy = [row for row in rows if row.get("fixed_reaches_reference")]
    healthy_alarms = sum(bool(row["false_alarm"]) for row in healthy)
    shown = [row for row in rows if fault_shows(row)]
    shown_detected = sum(bool(row["detected"]) for row in shown)
    shown_right = sum(bool(row["root_cause_right"]) for row in shown)
    return (
        f"Detection {share('detected')}, root cause {share('root_cause_right')}, "
        f"false alarms {share('false_alarm')} (on the {len(healthy)} fixed versions within {REACHED:.0%} of the "
        f"reference accuracy: {healthy_alarms}), crashes {crashes} of {2 * count} runs. "
        f"Where the fault costs {SHOWN_COST:.0%} test accuracy or more ({len(shown)} programs): detection "
        f"{shown_detected}, root cause {shown_right}. "
        f"({sum(row['seconds'] for row in rows) / 60:.1f} min)"
    )


# A fault whose fixed version is not this much more accurate does not show on these images: a doctor that
# judges by impact rightly says little about it (DeepFD and DEFault score only faults that reproduce).
SHOWN_COST = 0.05


def fault_shows(row: dict) -> bool:
    """The faulty version crashed, or its test accuracy is SHOWN_COST or more below the fixed version's."""
    faulty, fixed = row.get("faulty_accuracy"), row.get("fixed_accuracy")
    if faulty is None:
        return True
    return fixed is not None and fixed - faulty >= SHOWN_COST


def write_results(output: Path, split: str, only: str, rows: list[dict], summary: str) -> None:
    legend = (
        f"Real faulty programs, split `{split}`" + (f", names containing `{only}`" if only else "") + ".\n\n"
        "Expected ids with * are proposed (not yet in docs/FINDINGS.md). Led with: the first warning or critical "
        "finding of the faulty program's report. Root cause right: that finding is an expected id, or its verified "
        "fix amounts to the real fix. Fixed-version findings: warnings and criticals on the fixed program (a false "
        "alarm). Generated by bench/real_programs.py; every finding of both reports is in the .json beside this.\n\n"
    )
    output.write_text(legend + HEADER + "\n" + "\n".join(table_row(row) for row in rows) + f"\n\n{summary}\n")
    output.with_suffix(".json").write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


def benchmark(split: str, only: str, fashion_per_class: int, keep: bool) -> None:
    programs = catalogue.select(split, only)
    name = f"real_programs_{split}" + (f"_only-{re.sub(r'[^A-Za-z0-9_.-]', '_', only)}" if only else "")
    output = ROOT / "bench" / "results" / f"{name}.md"
    output.parent.mkdir(exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="real_programs_"))
    sources = Sources(scratch, fashion_per_class)
    rows = []
    print(HEADER, flush=True)
    try:
        for program in programs:
            outcomes = {which: run_version(program, which, sources, scratch) for which in VERSIONS}
            rows.append(score(program, outcomes))
            print(table_row(rows[-1]), flush=True)
            write_results(output, split, only, rows, totals(rows) + f" (so far: {len(rows)} of {len(programs)})")
    finally:
        if keep:
            print(f"Run folders (data, out/report.json) kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    summary = totals(rows)
    write_results(output, split, only, rows, summary)
    print(summary)
    print(f"Wrote {output.relative_to(ROOT)}")


# ------------------------------------------------------------------------------------------------- checking
def check(split: str, only: str) -> int:
    """Build every selected builder the way cnn-doctor does (behind an input layer, compiled with the program's
    optimizer and loss, labels in the encoding cnn-doctor picks for the loss) and take one training step on random
    images. A faulty version whose step fails is reported (the fault may be exactly that: cnn-doctor then names
    it before training); a builder that does not build, or a fixed version that cannot step, is a failure."""
    import keras
    import numpy as np

    from cnn_doctor.training.models import load_builder
    from cnn_doctor.training.run import label_encoding, wants_one_hot

    def step(builder: str, shape, classes: int, raw: bool, one_hot: bool | None) -> tuple[float, bool | None, object]:
        """One training step of a freshly built model; `one_hot` None: the encoding cnn-doctor picks (one output
        unit for two classes: a 0/1 label column, returned as None)."""
        keras.backend.clear_session()
        user_model = load_builder(builder)(shape, classes)
        inputs = keras.Input(shape)
        model = keras.Model(inputs, user_model(inputs))
        compiled = user_model.compiled
        loss = user_model.loss if compiled else keras.losses.SparseCategoricalCrossentropy()
        model.compile(optimizer=user_model.optimizer if compiled else "adam", loss=loss)
        column = one_hot is None and compiled and label_encoding(loss, model.output_shape[-1], classes) == "column"
        one_hot = compiled and wants_one_hot(loss) if one_hot is None else one_hot
        rng = np.random.default_rng(0)
        images = rng.uniform(0, 255 if raw else 1, (8, *shape)).astype("float32")
        labels = rng.integers(0, classes, 8)
        targets = np.eye(classes, dtype="float32")[labels] if one_hot else labels
        if column:
            targets, one_hot = labels.astype("float32").reshape(-1, 1), None
        return float(np.asarray(model.train_on_batch(images, targets)).reshape(-1)[0]), one_hot, model

    failures = 0
    for program in catalogue.select(split, only):
        classes = len(program.classes) if program.classes else 10
        shape = (program.image_size, program.image_size, 1)
        for which in VERSIONS:
            builder = program.version(which).builder_path()
            raw = "preprocess.normalize=none" in program.params(which)
            try:
                load_builder(builder)(shape, classes)
            except Exception as error:
                failures += 1
                print(f"{program.name:48s} {which:6s} FAIL (build) {one_line(error)}", flush=True)
                continue
            try:
                value, one_hot, model = step(builder, shape, classes, raw, None)
                status = f"ok   loss {value:.4g}{'' if np.isfinite(value) else ' (not finite)'}"
                encoding = "0/1 column" if one_hot is None else "one-hot" if one_hot else "class-index"
                status += f", {encoding} labels, {model.count_params()} weights"
            except Exception as error:
                status = ("STEP FAILS " if which == "faulty" else "FAIL ") + one_line(error)
                try:  # would the other label encoding work? (then cnn-doctor's choice of encoding is the cause)
                    _, one_hot, _ = step(
                        builder, shape, classes, raw, not wants_one_hot(load_builder(builder)(shape, classes).loss)
                    )
                    other = "one-hot labels" if one_hot else "class indices"
                    status += f" [it steps with {other}: cnn-doctor's label encoding for this loss is the cause]"
                except Exception:
                    failures += which == "fixed"
            print(f"{program.name:48s} {which:6s} {status}", flush=True)
            keras.backend.clear_session()
    print(f"{failures} failure(s)")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--split",
        choices=("dev", "held", "held2", "held3", "held4", "held5", "all"),
        help="dev (default), held, held2, held3, held4, held5 or all (--check: all)",
    )
    parser.add_argument("--only", default="", help="run the programs whose name contains this text")
    parser.add_argument("--check", action="store_true", help="build every model and take one step; no pipeline")
    parser.add_argument("--fashion-per-class", type=int, default=180, help="Fashion-MNIST photos per class")
    parser.add_argument("--keep", action="store_true", help="keep each run's folder (data and report) for reading")
    args = parser.parse_args()
    if args.check:
        return check(args.split or "all", args.only)
    benchmark(args.split or "dev", args.only, args.fashion_per_class, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
