"""Import TensorFlow without its start-up chatter, while every other line it prints still shows."""

from __future__ import annotations

import os
import re
import sys
import tempfile

# Lines TensorFlow's C++ runtime writes to stderr at import on every machine; they carry no problem.
BENIGN = re.compile(
    r"All log messages before absl::InitializeLog|oneDNN custom operations are on"
    r"|Could not find cuda drivers|failed call to cuInit|Unable to register cu(DNN|FFT|BLAS) factory"
    r"|computation placer already registered|TF-TRT Warning|This TensorFlow binary is optimized"
    r"|rebuild TensorFlow with the appropriate compiler flags"
)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (and probe devices) with stderr captured, then replay the lines that are not benign."""
    if "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow as tf

            tf.config.list_physical_devices("GPU")
            tf.get_logger().addFilter(_not_retracing)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            for line in captured.read().decode(errors="replace").splitlines():
                if line.strip() and not BENIGN.search(line):
                    print(line, file=sys.stderr)


def _not_retracing(record) -> bool:
    """TensorFlow warns of tf.function retracing when several fresh models train in one process: the doctor
    does that on purpose (the label model's folds, the quick experiments, the verified fixes); it tells the
    user nothing."""
    return "triggered tf.function retracing" not in record.getMessage()
