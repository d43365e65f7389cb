"""Cost of the doctor's probes: train stage with probes on vs off, same data, model, seed and epochs.

Run: .venv/bin/python bench/probe_overhead.py [epochs]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")  # no progress bars

from cnn_doctor.config import load_params  # noqa: E402
from cnn_doctor.data.sources import write_digits  # noqa: E402
from cnn_doctor.layout import Layout  # noqa: E402
from tasks.augment import augment  # noqa: E402
from tasks.preprocess import preprocess  # noqa: E402
from tasks.train import train  # noqa: E402
from tasks.validate import validate  # noqa: E402


def main(epochs: int = 15, repeats: int = 2) -> None:
    folder = Path(tempfile.mkdtemp())
    digits = write_digits(folder / "digits")
    base = [
        f"train.epochs={epochs}",
        "train.early_stopping_patience=0",
        "diagnose.lr_range_test=false",
        "diagnose.single_batch_test=false",
    ]
    layout = Layout(folder / "out")
    params = load_params(None, base)
    validated = validate.fn(digits, "", params.validate_params, layout)
    prepared = preprocess.fn(validated, params.preprocess, layout)
    augmented = augment.fn(prepared, params.augment, layout)
    timings = {"probes off": [], "probes on": []}
    for _ in range(repeats):
        for label, probes in (("probes off", "false"), ("probes on", "true")):
            run_params = load_params(None, [*base, f"diagnose.probes={probes}"])
            started = time.perf_counter()
            train.fn(prepared, augmented, run_params.model, run_params.train, run_params.diagnose, layout)
            timings[label].append(time.perf_counter() - started)
    off, on = min(timings["probes off"]), min(timings["probes on"])
    print(f"digits 1,797 images, 32x32, simple_cnn, {epochs} epochs, best of {repeats}")
    print(f"train stage, probes off: {off:.2f} s")
    print(f"train stage, probes on:  {on:.2f} s")
    print(f"ratio on/off: {on / off:.3f}  (target <= 1.05)")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
