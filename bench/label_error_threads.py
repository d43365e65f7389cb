"""The label-error search's cross-validated model on 1 vs 2 BLAS/OpenMP threads (why validate pins it to 1).

Run: .venv/bin/python bench/label_error_threads.py [DATA]   (default: $TMPDIR/cnn-scale/10000 from bench/scale.py)
Interleaved (1 thread, 2 threads) x 2; prints seconds and the load average at each measurement.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from cnn_doctor.data.decoding import thumbnail
from cnn_doctor.data.sources import decode_image
from cnn_doctor.doctor.label_errors import out_of_sample_probabilities

data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / "cnn-scale" / "10000"
files = sorted(data.rglob("*.png"))
features = np.stack([thumbnail(decode_image(f).convert("L")) for f in files])
labels = np.unique([f.parent.name for f in files], return_inverse=True)[1]
for _ in range(2):
    for threads in (1, 2):
        with threadpool_limits(threads):
            started = time.perf_counter()
            out_of_sample_probabilities(features, labels, 42)
            print(
                f"{len(files)} images, {threads} thread(s): {time.perf_counter() - started:.2f} s "
                f"(load {Path('/proc/loadavg').read_text().split()[0]})",
                flush=True,
            )
