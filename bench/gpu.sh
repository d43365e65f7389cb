#!/usr/bin/env bash
# The training benchmarks on a GPU machine: ready, not yet measured (the development machine has none).
# Run from the project root after `make setup` (with a CUDA build of TensorFlow: pip install "tensorflow[and-cuda]").
#
# On a GPU, train.mixed_precision=auto turns mixed_float16 on (tasks/train.py configure_devices) and
# Keras 3 compiles train steps with XLA (compile's jit_compile="auto" = XLA on GPU for the TensorFlow
# backend); several GPUs get a MirroredStrategy. The plain Keras baseline of training_overhead.py follows
# the same mixed-precision setting, so the ratio stays like for like.
set -euo pipefail
PY=${PY:-.venv/bin/python}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
"$PY" -c "import tensorflow as tf; print(tf.__version__, tf.config.list_physical_devices('GPU'))"
echo "== train stage vs plain Keras, mixed precision auto (on), 15 epochs, best of 2"
"$PY" bench/training_overhead.py 15 2
echo "== the same in float32 (mixed precision off): what mixed precision buys"
"$PY" bench/training_overhead.py 15 2 train.mixed_precision=false
echo "== probes on vs off"
"$PY" bench/probe_overhead.py 15 2
echo "== input pipeline vs ImageDataGenerator (20k images; the GPU makes the input side the bottleneck)"
"$PY" bench/input_pipeline.py 20000 3 3
