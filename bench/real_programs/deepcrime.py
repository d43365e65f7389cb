"""DeepCrime's MNIST subject (Humbatova et al., ISSTA 2021; repository dlfaults/deepcrime,
test_models/mnist_conv.py) and its mutants. DeepCrime's operators (utils/constants.py, operators/*.py) were
extracted from real faults (the taxonomy of Humbatova et al., ICSE 2020); a mutant is the subject with one operator
applied. Re-expressed as cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model`; the
training-data and hyper-parameter operators live in the catalogue (data transforms and params). Loaded by
cnn-doctor on its own.
"""

import keras
from keras import layers


def _mnist_conv(input_shape, num_classes, optimizer=None, last_dropout=0.5):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(last_dropout),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        loss=keras.losses.categorical_crossentropy,
        optimizer=optimizer or keras.optimizers.Adadelta(learning_rate=1.0),
        metrics=["accuracy"],
    )
    return model


def mnist_conv(input_shape, num_classes):
    """The subject as published (the fixed version of every mutant)."""
    return _mnist_conv(input_shape, num_classes)


def mnist_conv_sgd(input_shape, num_classes):
    """change_optimisation_function: Adadelta(learning_rate=1.0) -> 'sgd' (Keras's SGD: 0.01, no momentum)."""
    return _mnist_conv(input_shape, num_classes, optimizer=keras.optimizers.SGD())


def mnist_conv_dropout_09(input_shape, num_classes):
    """change_dropout_rate on the dropout before the classifier (layer 6): 0.5 -> 0.9."""
    return _mnist_conv(input_shape, num_classes, last_dropout=0.9)
