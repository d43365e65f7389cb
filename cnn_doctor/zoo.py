"""The fault zoo: faults real programs have, as users' model builders and as datasets, on the bundled digits.

tests/test_doctor.py asserts what the doctor finds for each; bench/fault_zoo.py tabulates them (docs/doctor.md,
"The fault zoo"). Small and fast: 16x16 px, a few epochs.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import numpy as np

# What makes a run fast (tests, the fault zoo); everything else comes from the real params.yaml.
FAST = (
    "train.epochs=2",
    "train.batch_size=64",
    "preprocess.image_size=16",
    "augment.rotation=0.0",
    "validate.label_model=linear",
)
# a scenario trains longer, with early stopping, on un-rotated images
SCENARIO = ("train.epochs=12", "train.early_stopping_patience=4", "augment.rotation=0.0", "augment.zoom=0.0")


def copy_digits(digits_folder: Path, target: Path, per_class: int | None = None) -> Path:
    """A writable copy of the digits (optionally only the first images of each class)."""
    for class_folder in sorted(digits_folder.iterdir()):
        files = sorted(class_folder.iterdir())[:per_class]
        (target / class_folder.name).mkdir(parents=True)
        for file in files:
            shutil.copy(file, target / class_folder.name / file.name)
    return target


def builder(folder: Path, body: str) -> str:
    """Write a user's model builder with this body; the params override that uses it."""
    path = folder / "user_model.py"
    path.write_text(
        "import keras\nfrom keras import layers\n\n\ndef build(input_shape, num_classes):\n"
        + textwrap.indent(textwrap.dedent(body).strip(), "    ")
        + "\n"
    )
    return f"model.builder={path}:build"


# ------------------------------------------------ users' models with a fault: bodies of build(input_shape, num_classes)

WRONG_UNITS = """
    model = keras.Sequential([keras.Input(input_shape), layers.Flatten(), layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model"""
LOGITS_WITH_PROBABILITY_LOSS = """
    model = keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                              layers.Flatten(), layers.Dense(num_classes)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False))
    return model"""
HUGE_INIT = """
    init = keras.initializers.RandomNormal(stddev=2.0)
    return keras.Sequential([keras.Input(input_shape), layers.Rescaling(1 / 255),
                             layers.Conv2D(32, 3, activation="relu", kernel_initializer=init),
                             layers.Flatten(), layers.Dense(64, activation="relu", kernel_initializer=init),
                             layers.Dense(num_classes, activation="softmax")])"""
BOTTLENECK = """
    return keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                             layers.Flatten(), layers.Dense(3, activation="relu"),
                             layers.Dense(num_classes, activation="softmax")])"""
DEAD_BIAS = """
    dead = keras.initializers.Constant(-20.0)
    return keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                             layers.Flatten(), layers.Dense(64, activation="relu", bias_initializer=dead),
                             layers.Dense(num_classes, activation="softmax")])"""
SIGMOID_STACK = """
    stack = [keras.Input(input_shape), layers.Flatten()]
    stack += [layers.Dense(32, activation="sigmoid") for _ in range(12)]
    return keras.Sequential(stack + [layers.Dense(num_classes, activation="softmax")])"""
AMPLIFYING_STACK = """
    # 16 linear layers, each a rotation scaled by 1.6 (a sane scale per layer, 1.6**16 = 1,845 in all)
    init = keras.initializers.Orthogonal(gain=1.6)
    stack = [keras.Input(input_shape), layers.Flatten()]
    stack += [layers.Dense(64, kernel_initializer=init) for _ in range(16)]
    return keras.Sequential(stack + [layers.Dense(num_classes, activation="softmax")])"""
BIASED_OUTPUT = """
    bias = keras.initializers.Constant([12.0] + [0.0] * (num_classes - 1))
    return keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                             layers.Flatten(), layers.Dense(64, activation="relu"),
                             layers.Dense(num_classes, activation="softmax", bias_initializer=bias)])"""
HEAVY_LABEL_SMOOTHING = """
    model = keras.Sequential([keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu"),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(64, activation="relu"),
                              layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.8),
                  metrics=["accuracy"])
    return model"""


def weak_signal_images(folder, classes: int = 4, per_class: int = 40, amplitude: float = 20.0):
    """Noise images whose class is only a faint stripe: learnable, and easy to memorise instead."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in range(classes):
        (folder / f"c{label}").mkdir(parents=True)
        for index in range(per_class):
            pixels = rng.uniform(0, 255, (16, 16))
            pixels[4 * label : 4 * label + 4, :] += amplitude
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L").save(folder / f"c{label}" / f"{index}.png")
    return folder


def noisy_train_clean_test(data):
    """A manifest over `data` whose training labels are 30% wrong and whose test labels are right."""
    rng = np.random.default_rng(1)
    rows = ["path,label,split"]
    for path in sorted(data.rglob("*.png")):
        label, split = int(path.parent.name), ("test" if rng.random() < 0.25 else "train")
        if split == "train" and rng.random() < 0.3:
            label = (label + rng.integers(1, 10)) % 10
        rows.append(f"{path.relative_to(data)},{label},{split}")
    (data / "manifest.csv").write_text("\n".join(rows) + "\n")
    return data / "manifest.csv"


def noisy_training_images(data):
    """A manifest over `data` (a copy: its training images are rewritten) whose training images carry Gaussian
    noise as strong as each image's own pixel spread (DeepCrime's noisy-training-data fault) while its test
    images stay clean."""
    from PIL import Image

    rng = np.random.default_rng(1)
    rows = ["path,label,split"]
    for path in sorted(data.rglob("*.png")):
        split = "test" if rng.random() < 0.25 else "train"
        if split == "train":
            pixels = np.asarray(Image.open(path), dtype=np.float32)
            noisy = pixels + rng.normal(size=pixels.shape) * pixels.std()
            Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path)
        rows.append(f"{path.relative_to(data)},{path.parent.name},{split}")
    (data / "manifest.csv").write_text("\n".join(rows) + "\n")
    return data / "manifest.csv"


# From Stack Overflow questions: ReLU on the output layer with categorical cross-entropy (the loss is NaN
# from the first steps), and exponential activations on raw pixels (they overflow).
RELU_OUTPUT = """
    model = keras.Sequential([keras.Input(input_shape), layers.Rescaling(1 / 255),
                              layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(), layers.Flatten(),
                              layers.Dense(64, activation="relu"), layers.Dense(num_classes, activation="relu")])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model"""
EXPONENTIAL_ACTIVATIONS = """
    return keras.Sequential([keras.Input(input_shape), layers.Flatten(),
                             layers.Dense(64, activation="exponential"), layers.Dense(32, activation="exponential"),
                             layers.Dense(num_classes, activation="softmax")])"""
# A user's model whose first layer is meant to scale the pixels and does not.
RESCALING_THAT_DOES_NOT_RESCALE = """
    return keras.Sequential([keras.Input(input_shape), layers.Rescaling(1.0),
                             layers.Conv2D(32, 3, activation="relu"), layers.Flatten(),
                             layers.Dense(64, activation="relu"), layers.Dense(num_classes, activation="softmax")])"""


def official_split_manifest(data: Path, test_share: float = 0.25, test_order_shifted: bool = False) -> Path:
    """A manifest over `data` with train and test rows only (as official splits come); with
    `test_order_shifted`, the test rows name each class by the next class's name (another class order)."""
    classes = sorted(folder.name for folder in data.iterdir() if folder.is_dir())
    rng = np.random.default_rng(2)
    rows = ["path,label,split"]
    for path in sorted(data.rglob("*.png")):
        label, split = path.parent.name, ("test" if rng.random() < test_share else "train")
        if split == "test" and test_order_shifted:
            label = classes[(classes.index(label) + 1) % len(classes)]
        rows.append(f"{path.relative_to(data)},{label},{split}")
    (data / "manifest.csv").write_text("\n".join(rows) + "\n")
    return data / "manifest.csv"
