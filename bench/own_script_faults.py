"""The fault zoo's faults in the model and the training, written as plain Keras scripts (no pipeline): what
`DoctorCallback` leads with, and what `cnn_doctor.diagnose` leads with and measured when it tried the fix. The
pipeline's answers on the same faults are the fault zoo's (docs/doctor.md#the-fault-zoo); the table beside
them is in docs/doctor.md#in-your-own-training-script.

Run: .venv/bin/python bench/own_script_faults.py [--fashion] [--only NAME ...]
Writes bench/results/own_script_<digits|fashion>.md and .json.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

import cnn_doctor  # noqa: E402
from cnn_doctor import DoctorCallback  # noqa: E402

RESULTS = Path(__file__).parent / "results"
layers = keras.layers


def load(fashion: bool):
    from sklearn.model_selection import train_test_split

    if fashion:
        from cnn_doctor.data.fashion_mnist import first_per_class, read_split

        images, labels = read_split("train")
        chosen = first_per_class(labels, 400)
        images, labels = images[chosen][..., None].astype("float32"), labels[chosen].astype(int)
    else:
        from sklearn.datasets import load_digits

        loaded = load_digits()
        images, labels = (loaded.images[..., None] * (255 / 16)).astype("float32"), loaded.target
    return train_test_split(images, labels, test_size=0.25, random_state=0, stratify=labels)


def cnn(shape, output="softmax", scaled=True, initializer="glorot_uniform", bias=None, batch_norm=False):
    keras.utils.set_random_seed(0)
    stack = [keras.Input(shape), *([layers.Rescaling(1 / 255)] if scaled else [])]
    stack.append(layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=initializer))
    stack += [layers.BatchNormalization()] if batch_norm else []
    stack += [layers.MaxPooling2D(), layers.Flatten()]
    stack.append(layers.Dense(64, activation="relu", kernel_initializer=initializer, bias_initializer=bias or "zeros"))
    stack.append(layers.Dense(10, activation=output, kernel_initializer=initializer))
    return keras.Sequential(stack)


def output_bias(shape):
    model = cnn(shape)
    kernel, biases = model.layers[-1].get_weights()
    biases[0] = 12.0  # one class starts certain
    model.layers[-1].set_weights([kernel, biases])
    return model


def sigmoid_stack(shape):
    keras.utils.set_random_seed(0)
    stack = [keras.Input(shape), layers.Rescaling(1 / 255), layers.Flatten()]
    stack += [layers.Dense(32, activation="sigmoid") for _ in range(12)]
    return keras.Sequential([*stack, layers.Dense(10, activation="softmax")])


class LogOfNegatives(layers.Layer):
    def call(self, inputs):
        return keras.ops.log(inputs)


def nan_layer(shape):
    keras.utils.set_random_seed(0)
    stack = [keras.Input(shape), layers.Rescaling(1 / 255), layers.Flatten(), layers.Dense(32), LogOfNegatives()]
    return keras.Sequential([*stack, layers.Dense(10, activation="softmax")])


SPARSE = "sparse_categorical_crossentropy"
LOGITS = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
# name: (fault, model, optimizer, loss, epochs, expected cause, the fault zoo's scenario of the same fault)
SCENARIOS = {
    "healthy_logits": ("healthy, logits and from_logits=True", lambda s: cnn(s, None), "adam", LOGITS, 20, "none", ""),
    "healthy_batch_norm": (
        "healthy, BatchNormalization",
        lambda s: cnn(s, batch_norm=True),
        "adam",
        SPARSE,
        20,
        "none",
        "",
    ),
    "linear_output": (
        "linear output, probability loss",
        lambda s: cnn(s, "linear"),
        "adam",
        SPARSE,
        8,
        "loss_activation_mismatch",
        "linear output, probability loss",
    ),
    "relu_output": (
        "ReLU output, cross-entropy",
        lambda s: cnn(s, "relu"),
        "adam",
        SPARSE,
        8,
        "loss_activation_mismatch",
        "ReLU output, categorical cross-entropy",
    ),
    "unscaled": (
        "unnormalised inputs",
        lambda s: cnn(s, scaled=False),
        "adam",
        SPARSE,
        8,
        "missing_normalization",
        "unnormalised inputs",
    ),
    "init_std_2": (
        "weights initialised std=2",
        lambda s: cnn(s, initializer=keras.initializers.RandomNormal(stddev=2.0)),
        "adam",
        SPARSE,
        8,
        "poor_initialization",
        "weights initialised std=2",
    ),
    "output_bias": (
        "output bias +12 on one class",
        output_bias,
        "adam",
        SPARSE,
        8,
        "initial_loss_off",
        "output bias +12 on one class",
    ),
    "sgd_5": (
        "SGD learning rate 5",
        cnn,
        lambda: keras.optimizers.SGD(5.0),
        SPARSE,
        8,
        "learning_rate_too_high",
        "SGD learning rate 5",
    ),
    "sgd_1e-6": (
        "SGD learning rate 1e-6",
        cnn,
        lambda: keras.optimizers.SGD(1e-6),
        SPARSE,
        8,
        "learning_rate_too_low",
        "SGD learning rate 1e-6",
    ),
    "relu_bias_-20": (
        "ReLU biases -20",
        lambda s: cnn(s, bias=keras.initializers.Constant(-20.0)),
        "adam",
        SPARSE,
        8,
        "dying_relu",
        "ReLU biases -20",
    ),
    "sigmoid_stack": (
        "12-layer sigmoid stack",
        sigmoid_stack,
        "adam",
        SPARSE,
        8,
        "vanishing_gradients or saturated_activations",
        "12-layer sigmoid stack",
    ),
    "nan_layer": ("a custom layer taking the log of negatives", nan_layer, "adam", SPARSE, 8, "loss_diverged", ""),
    "one_epoch": ("1 epoch only", cnn, lambda: keras.optimizers.Adam(3e-4), SPARSE, 1, "undertrained", "1 epoch only"),
}


def compiled(name: str, shape):
    _, build, optimizer, loss, *_ = SCENARIOS[name]
    model = build(shape)
    model.compile(optimizer=optimizer() if callable(optimizer) else optimizer, loss=loss, metrics=["accuracy"])
    return model


def lead(report: dict) -> str:
    serious = [finding for finding in report["findings"] if finding["severity"] != "info"]
    return serious[0]["id"] if serious else "none"


def last(curve: dict) -> float:
    reached = [value for value in curve["val_accuracy"] if value is not None]
    return reached[-1] if reached else float("nan")


def right(led: str, expected: str) -> bool:
    return led in expected.split(" or ")


def run(name: str, data) -> dict:
    x_train, x_val, y_train, y_val = data
    fault, _, _, _, epochs, expected, zoo = SCENARIOS[name]
    scratch = Path(tempfile.mkdtemp())
    model, started = compiled(name, x_train.shape[1:]), time.perf_counter()
    doctor = DoctorCallback((x_val, y_val), scratch / "callback", verbose=False)
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, callbacks=[doctor], verbose=0)
    callback_seconds = time.perf_counter() - started
    model, started = compiled(name, x_train.shape[1:]), time.perf_counter()
    report = cnn_doctor.diagnose(model, (x_train, y_train), (x_val, y_val), epochs=epochs, out=scratch / "diagnose")
    tried = report["findings"][0]["evidence"].get("verification") if report["findings"] else None
    return {
        "scenario": name,
        "fault": fault,
        "expected": expected,
        "zoo_scenario": zoo,
        "callback_led": lead(doctor.report),
        "callback_right": right(lead(doctor.report), expected),
        "callback_seconds": round(callback_seconds, 1),
        "diagnose_led": lead(report),
        "diagnose_right": right(lead(report), expected),
        "verified": f"{' '.join(tried['change'])}: {last(tried['without']):.2f} -> {last(tried['with']):.2f}"
        if tried
        else "-",
        "diagnose_seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    arguments = sys.argv[1:]
    fashion = "--fashion" in arguments
    chosen = arguments[arguments.index("--only") + 1 :] if "--only" in arguments else list(SCENARIOS)
    data = load(fashion)
    rows = []
    for name in chosen:
        rows.append(run(name, data))
        print(json.dumps(rows[-1]), flush=True)
    dataset = "fashion" if fashion else "digits"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"own_script_{dataset}.json").write_text(json.dumps(rows, indent=1))
    lines = [
        "| fault | expected cause | DoctorCallback led with | right? | diagnose() led with | right? "
        "| fix tried: val. accuracy |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        marks = ["yes" if row[key] else "NO" for key in ("callback_right", "diagnose_right")]
        lines.append(
            f"| {row['fault']} | {row['expected']} | {row['callback_led']} | {marks[0]} | {row['diagnose_led']} "
            f"| {marks[1]} | {row['verified']} |"
        )
    summary = (
        f"DoctorCallback {sum(r['callback_right'] for r in rows)}/{len(rows)}, "
        f"diagnose() {sum(r['diagnose_right'] for r in rows)}/{len(rows)} led by the expected cause"
    )
    (RESULTS / f"own_script_{dataset}.md").write_text("\n".join([*lines, "", summary, ""]))
    print(summary)


if __name__ == "__main__":
    main()
