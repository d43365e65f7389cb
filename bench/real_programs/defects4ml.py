"""Programs of Defects4ML (Morovati et al., "Bugs in machine learning-based systems: a faultload benchmark",
EMSE 2023; repository mohmehmo/defects4ml, bugs/<id>/{buggy,fixed} and bugs/<id>/conf.ini), re-expressed as
cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model` (see deeplocalize.py for the rules).
Loaded by cnn-doctor on its own: it imports nothing of the benchmark.
"""

import keras
from keras import layers


# ------------------------------ bug 038 (GitHub NikhilM98/learning-deeplearning eb24906): Adam(lr=100) -> 0.0001
def _nikhilm98(input_shape, num_classes, rate):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(16, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        keras.optimizers.Adam(learning_rate=rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def nikhilm98_faulty(input_shape, num_classes):
    return _nikhilm98(input_shape, num_classes, 100.0)


def nikhilm98_fixed(input_shape, num_classes):
    return _nikhilm98(input_shape, num_classes, 0.0001)


# ------------------------------ bug 092 (Stack Overflow 58844149): softmax over one unit in an image CNN
def _so58844149(input_shape, head):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(96, kernel_size=11, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(3, 3), strides=(2, 2)),
            layers.Conv2D(128, kernel_size=3, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(128, kernel_size=3, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Flatten(),
            layers.Dense(units=300, activation="relu"),
            layers.Dropout(0.2),
            *head,
        ]
    )


def so58844149_faulty(input_shape, num_classes):
    model = _so58844149(input_shape, [layers.Dense(1), layers.Activation("softmax")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def so58844149_fixed(input_shape, num_classes):
    # Activation('sigmoid') on the unit: one sigmoid unit per class, as cnn-doctor needs one output per class
    model = _so58844149(input_shape, [layers.Dense(num_classes), layers.Activation("sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# ------------------------------ bug 091 (Stack Overflow 56103207): the CNN whose validation split was unshuffled
def so56103207(input_shape, num_classes):
    """The program's network, unchanged in the fix (its fault is in the data: see data_faults.py)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(filters=32, kernel_size=5, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(filters=16, kernel_size=3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(units=128, activation="relu"),
            layers.Dense(units=64, activation="relu"),
            layers.Dense(units=num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
