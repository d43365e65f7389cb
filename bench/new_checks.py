"""What the checks added for programs nobody had shown the doctor cost, as a share of the whole run measured in
the same process: the loss judged by behaviour (does it reward right answers, sum over the batch, make the
classes compete), scoring the splits in train (evaluate no longer loads the model), batch-statistics scoring, the
splits' pixel statistics, the predictions' new causes and one split's labels contradicted (validate).

Run: .venv/bin/python bench/new_checks.py             (the default run on the bundled digits)
     .venv/bin/python bench/new_checks.py --fashion    (4,000 Fashion-MNIST photos, official split, default params)
     .venv/bin/python bench/new_checks.py --fashion --architecture regularized_cnn  (a network with batch norm)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from functools import wraps
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CI", "true")

import tasks.evaluate as evaluate_module  # noqa: E402
import tasks.train as train_module  # noqa: E402
import tasks.validate as validate_module  # noqa: E402
from cnn_doctor.config import load_params  # noqa: E402
from cnn_doctor.data.sources import write_digits  # noqa: E402
from cnn_doctor.doctor import (
    model_checks,  # noqa: E402
    predictions,  # noqa: E402
)
from cnn_doctor.layout import Layout  # noqa: E402
from cnn_doctor.training import outputs as outputs_module  # noqa: E402
from flows.pipeline import PLAIN_CALLS, run_pipeline  # noqa: E402


def main() -> None:
    arguments = sys.argv[1:]
    scratch = Path(tempfile.mkdtemp())
    if "--fashion" in arguments:
        from cnn_doctor.data.fashion_mnist import write_fashion_mnist

        data = write_fashion_mnist(scratch / "fashion", train_per_class=320, test_per_class=80)
    else:
        data = write_digits(scratch / "digits")
    overrides = []
    if "--architecture" in arguments:
        overrides.append(f"model.architecture={arguments[arguments.index('--architecture') + 1]}")
    timings: dict[str, float] = {}

    def timed(module, name: str, label: str) -> None:
        function = getattr(module, name)

        @wraps(function)
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                timings[label] = timings.get(label, 0.0) + time.perf_counter() - started

        setattr(module, name, wrapper)

    for name in ("loss_rewards_right_answers", "loss_sums_over_the_batch", "classes_compete_on_scores"):
        timed(model_checks, name, "loss judged by behaviour")
    timed(train_module, "score_splits", "splits scored in train (all of it)")
    timed(outputs_module, "predict_with_batch_statistics", "of which batch statistics")
    timed(evaluate_module, "other_views", "validation view and pixel statistics")
    for name in ("stale_batch_statistics", "distribution_shift", "duplicate_classes", "below_reference"):
        timed(predictions, name, "new prediction rules")
    timed(validate_module, "with_misaligned_labels", "one split's labels contradicted")
    started = time.perf_counter()
    report = run_pipeline(PLAIN_CALLS, load_params(None, overrides), data, "", Layout(scratch / "out")).report
    total = time.perf_counter() - started
    new = sum(seconds for label, seconds in timings.items() if label != "of which batch statistics")
    print(f"data: {data}; test accuracy {report['metrics']['test_accuracy']:.3f}; leading: {report['leading_finding']}")
    print("| check | seconds | share of the run |\n|---|---|---|")
    for label, seconds in timings.items():
        print(f"| {label} | {seconds:.2f} | {seconds / total:.1%} |")
    print(f"| all new checks | {new:.2f} | {new / total:.1%} |\n| whole run | {total:.1f} | 100% |")


if __name__ == "__main__":
    main()
