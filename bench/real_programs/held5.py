"""The fifth held-aside set ("held5", added 2026-12-07, written by a helper who never ran the doctor on them):
programs of sources no earlier set draws on.

- DeepMufl's bug dataset (Ghanbari et al., ASE 2023; ali-ghanbari/deepmufl-ase-2023 a69ba43,
  Dataset/all-bugs/<Stack Overflow question>/bug.py): Keras programs of Stack Overflow questions, stored as the
  buggy program only (DeepMufl's ground truth is the faulty layer or setting); those whose question no earlier set
  used and whose fault the program itself shows. The fix each builder gives is the repair of that fault.
- GitHub repositories whose history fixes a fault (getcrest/All-Conv-Keras allconv.py, MorvanZhou/tutorials
  kerasTUT/6-CNN_example.py, geifmany/cifar-vgg cifar10vgg.py with its issue #1) and Keras issue threads that state
  the fix (keras-team/keras#6914, #8346, #255).

Each program is re-expressed as cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model`, one for
the faulty program and one with the fix, compiled by the builder (cnn-doctor keeps a compiled model's optimizer and
loss). Keras 1/2 spellings become Keras 3 ones: `lr` -> `learning_rate`, 'uniform' -> RandomUniform(-0.05, 0.05),
'normal' -> RandomNormal(stddev=0.05) (Keras 2's defaults); the optimizers' `decay` (1e-6 per step: under 0.1% over
the few hundred steps run here) is left out. Data faults are data transforms (data_faults.py); the epochs, batch
size and image size are params (the catalogue in __init__.py).

This file is loaded by cnn-doctor on its own (model.builder=bench/real_programs/held5.py:<function>): it imports
nothing of the benchmarks nor of the other catalogue modules.
"""

import keras
from keras import layers


def _compiled(model, optimizer, loss):
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


# =============================================================== Keras issue #6914: examples/mnist_mlp.py on raw pixels
def keras6914_mnist_mlp(input_shape, num_classes):
    """keras examples/mnist_mlp.py as the issue runs it: Dense(512)-ReLU-Dropout(0.2) twice and a softmax output,
    RMSprop(), categorical cross-entropy (the issue's fault is in the data: pixels not divided by 255)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(model, keras.optimizers.RMSprop(), "categorical_crossentropy")


# ======================================================== Keras issue #8346: a VGG-like convnet, validation_split=0.2
def keras8346_vgg_like(input_shape, num_classes):
    """The 'VGG-like convnet' of the Keras Sequential guide (the issue's title; its model is not posted): two 3x3
    convolutions of 32, max pooling, dropout 0.25, two of 64, max pooling, dropout 0.25, Dense(256)-ReLU, dropout 0.5,
    softmax; SGD(0.01, momentum 0.9, Nesterov)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(
        model, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True), "categorical_crossentropy"
    )


# ============================================================ getcrest/All-Conv-Keras allconv.py (All-CNN-C, CIFAR-10)
def _all_cnn(input_shape, num_classes, optimizer):
    """All-CNN-C as allconv.py builds it: 3x3 convolutions of 96 (ReLU, ReLU, then stride 2 with no activation),
    dropout 0.5, the same with 192, a 3x3 of 192 and a 1x1 of 192 (ReLU), a 1x1 of 10 (no activation), global
    average pooling, softmax; categorical cross-entropy."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(96, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(96, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(96, (3, 3), padding="same", strides=2),
            layers.Dropout(0.5),
            layers.Conv2D(192, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(192, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(192, (3, 3), padding="same", strides=2),
            layers.Dropout(0.5),
            layers.Conv2D(192, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(192, (1, 1), activation="relu"),
            layers.Conv2D(num_classes, (1, 1)),
            layers.GlobalAveragePooling2D(),
            layers.Activation("softmax"),
        ]
    )
    return _compiled(model, optimizer, "categorical_crossentropy")


def allconv_sgd_by_name(input_shape, num_classes):
    """compile(optimizer='sgd'): the SGD object the program builds is never passed, so Keras's default SGD runs
    (learning rate 0.01, no momentum, no Nesterov)."""
    return _all_cnn(input_shape, num_classes, keras.optimizers.SGD(learning_rate=0.01))


def allconv_sgd_object(input_shape, num_classes):
    """Commit dca8f05 'use correct optimizer object': SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True) passed."""
    return _all_cnn(input_shape, num_classes, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True))


# =================================================== Keras issue #255 (the cifar10 example stands in for its model)
def keras255_cifar10_cnn(input_shape, num_classes):
    """keras examples/cifar10_cnn.py of 2015, which the thread compares with (the user's own model is not posted):
    two 3x3 convolutions of 32, max pooling, dropout 0.25, two of 64, max pooling, dropout 0.25, Dense(512)-ReLU,
    dropout 0.5, softmax; SGD(0.01, momentum 0.9, Nesterov)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(
        model, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True), "categorical_crossentropy"
    )


# ================================================================ MorvanZhou/tutorials kerasTUT/6-CNN_example.py
def morvan_cnn_example(input_shape, num_classes):
    """6-CNN_example.py: 5x5 convolutions of 32 and 64 (SAME, ReLU), each followed by 2x2 SAME max pooling,
    Dense(1024)-ReLU, softmax; Adam(1e-4), categorical cross-entropy (the fault is in the data: raw pixels)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (5, 5), padding="same", activation="relu"),
            layers.MaxPooling2D((2, 2), padding="same"),
            layers.Conv2D(64, (5, 5), padding="same", activation="relu"),
            layers.MaxPooling2D((2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(1024, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(model, keras.optimizers.Adam(learning_rate=1e-4), "categorical_crossentropy")


# ============================================================================= geifmany/cifar-vgg cifar10vgg.py
def _cifar_vgg(input_shape, num_classes, rate):
    """cifar10vgg.py: VGG-16 for CIFAR-10 with batch normalisation after every ReLU convolution, dropout 0.3/0.4
    inside the blocks and 0.5 before and after Dense(512), L2(5e-4) on every kernel; SGD(learning_rate, momentum
    0.9, Nesterov), categorical cross-entropy."""
    decay = keras.regularizers.L2(0.0005)
    blocks = [(64, [0.3, None]), (128, [0.4, None]), (256, [0.4, 0.4, None]), (512, [0.4, 0.4, None])] + [
        (512, [0.4, 0.4, None])
    ]
    stack = [keras.Input(input_shape)]
    for filters, dropouts in blocks:
        for dropout in dropouts:
            stack += [
                layers.Conv2D(filters, (3, 3), padding="same", kernel_regularizer=decay),
                layers.Activation("relu"),
                layers.BatchNormalization(),
            ]
            if dropout:
                stack.append(layers.Dropout(dropout))
        stack.append(layers.MaxPooling2D((2, 2)))
    stack += [
        layers.Dropout(0.5),
        layers.Flatten(),
        layers.Dense(512, kernel_regularizer=decay),
        layers.Activation("relu"),
        layers.BatchNormalization(),
        layers.Dropout(0.5),
        layers.Dense(num_classes),
        layers.Activation("softmax"),
    ]
    optimizer = keras.optimizers.SGD(learning_rate=rate, momentum=0.9, nesterov=True)
    return _compiled(keras.Sequential(stack), optimizer, "categorical_crossentropy")


def cifar_vgg_rate_0_1(input_shape, num_classes):
    """learning_rate = 0.1 (the program)."""
    return _cifar_vgg(input_shape, num_classes, 0.1)


def cifar_vgg_rate_0_01(input_shape, num_classes):
    """The issue's fix: learning rate 0.01."""
    return _cifar_vgg(input_shape, num_classes, 0.01)


# ================================================================== DeepMufl (ali-ghanbari/deepmufl-ase-2023) bugs
def _dm44755431(input_shape, num_classes, dropout_on_logits):
    """SO 44755431: an MNIST CNN (3x3 convolutions 16, 16, 32, 32, 64, 64, each pair ending in 2x2 max pooling),
    Dense(50)-ReLU, dropout 0.5, Dense(10), then dropout 0.5 on those logits before the softmax; Adam()."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(16, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(16, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), padding="same", activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(50, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
            *([layers.Dropout(0.5)] if dropout_on_logits else []),
            layers.Activation("softmax"),
        ]
    )
    return _compiled(model, keras.optimizers.Adam(), "categorical_crossentropy")


def dm44755431_faulty(input_shape, num_classes):
    return _dm44755431(input_shape, num_classes, dropout_on_logits=True)


def dm44755431_fixed(input_shape, num_classes):
    """No dropout between the output layer and its softmax."""
    return _dm44755431(input_shape, num_classes, dropout_on_logits=False)


def _dm47735201(input_shape, num_classes, last_activation):
    """SO 47735201: a network-in-network CNN for CIFAR-10: 5x5 conv 32 and two 1x1 of 32 (ReLU), pooling, dropout
    0.5; 3x3 conv 64 and two 1x1 of 64, pooling, dropout 0.5; 3x3 conv 128, 1x1 of 32, 1x1 of 10 classes, global
    average pooling, softmax; Adam()."""
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(32, (5, 5), activation="relu")(inputs)
    x = layers.Conv2D(32, (1, 1), activation="relu")(x)
    x = layers.Conv2D(32, (1, 1), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv2D(64, (3, 3), activation="relu")(x)
    x = layers.Conv2D(64, (1, 1), activation="relu")(x)
    x = layers.Conv2D(64, (1, 1), activation="relu")(x)
    x = layers.MaxPooling2D((2, 2))(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Conv2D(128, (3, 3), activation="relu")(x)
    x = layers.Conv2D(32, (1, 1), activation="relu")(x)
    x = layers.Conv2D(num_classes, (1, 1), activation=last_activation)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax")(x)
    return _compiled(keras.Model(inputs, outputs, name="nin_cnn"), keras.optimizers.Adam(), "categorical_crossentropy")


def dm47735201_faulty(input_shape, num_classes):
    """The class-score 1x1 convolution ends in a ReLU: the logits cannot go below 0."""
    return _dm47735201(input_shape, num_classes, "relu")


def dm47735201_fixed(input_shape, num_classes):
    """A linear class-score convolution."""
    return _dm47735201(input_shape, num_classes, None)


def _dm61498304(input_shape, num_classes, faulty):
    """SO 61498304: LeNet-5 (5x5 convolutions 6 and 16, ReLU, 2x2 max pooling) and four dense layers (128, 64, 64,
    64, ReLU, dropout 0.2 after each) with kernel_initializer='uniform' and L2(0.01) each, softmax of 2; Adam."""

    def dense(units):
        return layers.Dense(
            units,
            activation="relu",
            kernel_initializer=keras.initializers.RandomUniform(-0.05, 0.05),
            kernel_regularizer=keras.regularizers.L2(0.01) if faulty else None,
        )

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(6, 5, activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Conv2D(16, 5, activation="relu"),
            layers.MaxPooling2D(2, 2),
            layers.Flatten(),
            dense(128),
            layers.Dropout(0.2),
            dense(64),
            layers.Dropout(0.2),
            dense(64),
            layers.Dropout(0.2),
            dense(64),
            layers.Dropout(0.2),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(model, keras.optimizers.Adam(), "categorical_crossentropy")


def dm61498304_faulty(input_shape, num_classes):
    return _dm61498304(input_shape, num_classes, faulty=True)


def dm61498304_fixed(input_shape, num_classes):
    """The dense layers without the L2(0.01) penalty."""
    return _dm61498304(input_shape, num_classes, faulty=False)


def _dm62055783(input_shape, num_classes, l1):
    """SO 62055783: a facial-expression CNN: 3x3 conv 64 (ReLU, kernel_regularizer=l1(0.01)), 3x3 conv 128 SAME,
    pooling, dropout 0.5, conv 64, pooling, dropout 0.5, conv 64, Dense(64)-ReLU, Dense(7) logits;
    CategoricalCrossentropy(from_logits=True), Adam()."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(64, (3, 3), activation="relu", kernel_regularizer=keras.regularizers.L1(l1) if l1 else None),
            layers.Conv2D(128, (3, 3), padding="same", activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.5),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Dropout(0.5),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(num_classes),
        ]
    )
    return _compiled(model, keras.optimizers.Adam(), keras.losses.CategoricalCrossentropy(from_logits=True))


def dm62055783_faulty(input_shape, num_classes):
    return _dm62055783(input_shape, num_classes, 0.01)


def dm62055783_fixed(input_shape, num_classes):
    """The first convolution without the L1(0.01) penalty."""
    return _dm62055783(input_shape, num_classes, None)


def _dm41999686(input_shape, num_classes, output_activation):
    """SO 41999686: Dense 100, 150, 200, 200, 200 (ReLU, kernel_initializer='normal', dropout 0.2 after each) and
    an output layer of 4 ('normal'); SGD(0.01, momentum 0.9, Nesterov), categorical cross-entropy."""
    normal = keras.initializers.RandomNormal(stddev=0.05)
    stack = [keras.Input(input_shape), layers.Flatten()]
    for units in (100, 150, 200, 200, 200):
        stack += [layers.Dense(units, activation="relu", kernel_initializer=normal), layers.Dropout(0.2)]
    stack.append(layers.Dense(num_classes, activation=output_activation, kernel_initializer=normal))
    optimizer = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    return _compiled(keras.Sequential(stack), optimizer, "categorical_crossentropy")


def dm41999686_faulty(input_shape, num_classes):
    """A sigmoid output under categorical cross-entropy."""
    return _dm41999686(input_shape, num_classes, "sigmoid")


def dm41999686_fixed(input_shape, num_classes):
    """A softmax output."""
    return _dm41999686(input_shape, num_classes, "softmax")


def _dm57407973(input_shape, num_classes, output_activation):
    """SO 57407973: Dense 28, 200, 300, 300, 150, all sigmoid with kernel_initializer='normal', dropout 0.5, 0.5,
    0.5, 0.4 after the last four, and one output unit ('normal'); Adam, binary cross-entropy."""
    normal = keras.initializers.RandomNormal(stddev=0.05)
    stack = [keras.Input(input_shape), layers.Flatten()]
    for units, dropout in ((28, None), (200, 0.5), (300, 0.5), (300, 0.5), (150, 0.4)):
        stack.append(layers.Dense(units, activation="sigmoid", kernel_initializer=normal))
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation=output_activation, kernel_initializer=normal))
    return _compiled(keras.Sequential(stack), "adam", "binary_crossentropy")


def dm57407973_faulty(input_shape, num_classes):
    """The one output unit is linear: binary cross-entropy (from_logits=False) takes it as a probability."""
    return _dm57407973(input_shape, num_classes, None)


def dm57407973_fixed(input_shape, num_classes):
    """A sigmoid on the output unit."""
    return _dm57407973(input_shape, num_classes, "sigmoid")


def dm61234347_iris_tanh(input_shape, num_classes):
    """SO 61234347: Dense 1000, 500, 250, 125, 64, 32, 9 (tanh) and a softmax output on the iris features; Adam,
    categorical cross-entropy; model.fit(X_train, y_train): Keras's default of one epoch (the epochs are params)."""
    stack = [keras.Input(input_shape), layers.Flatten()]
    stack += [layers.Dense(units, activation="tanh") for units in (1000, 500, 250, 125, 64, 32, 9)]
    stack.append(layers.Dense(num_classes, activation="softmax"))
    return _compiled(keras.Sequential(stack), "adam", "categorical_crossentropy")


def dm66602662_faulty(input_shape, num_classes):
    """SO 66602662: Dense 32, 16 (dropout 0.2), 8 (dropout 0.2), ReLU, and Dense(1, sigmoid) for 5 classes, compiled
    with CategoricalCrossentropy(from_logits=True): a softmax over one unit is 1, so the loss is 0 whatever the
    weights (no gradient); Adam."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    return _compiled(model, "adam", keras.losses.CategoricalCrossentropy(from_logits=True))


def dm66602662_fixed(input_shape, num_classes):
    """One softmax unit per class under sparse categorical cross-entropy (the integer labels the program has)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dense(16, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(8, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    return _compiled(model, "adam", "sparse_categorical_crossentropy")


def _dm68101077(input_shape, num_classes, loss):
    """SO 68101077: the TensorFlow Fashion-MNIST tutorial's network, Flatten, Dense(128)-ReLU, Dense(10) with no
    activation; Adam."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(num_classes),
        ]
    )
    return _compiled(model, "adam", loss)


def dm68101077_faulty(input_shape, num_classes):
    """loss='sparse_categorical_crossentropy' (from_logits=False) on the linear outputs."""
    return _dm68101077(input_shape, num_classes, "sparse_categorical_crossentropy")


def dm68101077_fixed(input_shape, num_classes):
    """SparseCategoricalCrossentropy(from_logits=True), as the tutorial compiles it."""
    return _dm68101077(input_shape, num_classes, keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def _dm57943425(input_shape, num_classes, axis, output_activation):
    """SO 57943425: a 'SmallerVGGNet': 3x3 convolutions 32 | 64, 64 | 128, 128, 128 (SAME, ReLU, each followed by
    BatchNormalization(axis=channel_dimension) with channel_dimension = 1), 2x2 max pooling and dropout 0.25 after
    each group, Dense(512)-ReLU, batch normalisation, dropout 0.5, Dense(classes); SGD(0.001), sparse categorical
    cross-entropy. The images are channels-last, so axis 1 is the image's rows, not its channels."""

    def conv(filters):
        return [
            layers.Conv2D(filters, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.BatchNormalization(axis=axis),
        ]

    pool = [layers.MaxPooling2D((2, 2)), layers.Dropout(0.25)]
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            *conv(32),
            *pool,
            *conv(64),
            *conv(64),
            *pool,
            *conv(128),
            *conv(128),
            *conv(128),
            *pool,
            layers.Flatten(),
            layers.Dense(512),
            layers.Activation("relu"),
            layers.BatchNormalization(),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
            layers.Activation(output_activation),
        ]
    )
    return _compiled(model, keras.optimizers.SGD(learning_rate=0.001), "sparse_categorical_crossentropy")


def dm57943425_faulty(input_shape, num_classes):
    """channel_dimension = 1 on channels-last images, and a sigmoid output under sparse categorical cross-entropy."""
    return _dm57943425(input_shape, num_classes, 1, "sigmoid")


def dm57943425_fixed(input_shape, num_classes):
    """BatchNormalization over the channels (axis -1) and a softmax output."""
    return _dm57943425(input_shape, num_classes, -1, "softmax")


def _dm41823068(input_shape, num_classes, output_activation):
    """SO 41823068: Flatten, Dense(256)-ReLU, dropout 0.5 and an output layer of 5; RMSprop ('rmsprop'),
    categorical cross-entropy."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation=output_activation),
        ]
    )
    return _compiled(model, "rmsprop", "categorical_crossentropy")


def dm41823068_faulty(input_shape, num_classes):
    """A sigmoid output under categorical cross-entropy."""
    return _dm41823068(input_shape, num_classes, "sigmoid")


def dm41823068_fixed(input_shape, num_classes):
    """A softmax output."""
    return _dm41823068(input_shape, num_classes, "softmax")
