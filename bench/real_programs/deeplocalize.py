"""Programs of DeepLocalize's benchmark (Wardat et al., ICSE 2021; repository Wardat-ISU/DeepLocalize:
Benchmark/StackOverflow/<question>/{Buggy,Correct} Code and Benchmark/GitHub/{Buggy,Correct} Model), the same
programs DeepFD lists with their fault types (ArabelaTso/DeepFD, Benchmark/Benchmark-with-patches.xlsx).

Each program is re-expressed as cnn-doctor model builders, `build(input_shape, num_classes) -> keras.Model`, one for
the faulty program and one with the benchmark's fix. The network, its initialisers, loss and optimizer are the
program's; what changes is only what cnn-doctor owns (the data, epochs and batch size come from params, see the
catalogue in __init__.py). Where the original fed one-hot labels to a loss whose name does not say "categorical",
the loss one-hot encodes class indices itself: cnn-doctor gives such losses class indices.

This file is loaded by cnn-doctor on its own (model.builder=bench/real_programs/deeplocalize.py:<function>): it
imports nothing of the benchmark.
"""

import keras
from keras import layers, ops


def _one_hot(y_true, num_classes):
    """Class indices as one-hot rows (one-hot rows pass through)."""
    if len(y_true.shape) == 2 and y_true.shape[-1] == num_classes:
        return ops.cast(y_true, "float32")
    return ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), num_classes)


# ---------------------------------------------------------------- SO 48385830: Nielsen's network without activations
class OneHotMeanSquaredError(keras.losses.Loss):
    """loss='mean_squared_error' on to_categorical labels, as the program trained it (a Loss subclass, unregistered)."""

    def __init__(self, num_classes):
        super().__init__(name="one_hot_mean_squared_error")
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(_one_hot(y_true, self.num_classes) - y_pred), axis=-1)


def so48385830_faulty(input_shape, num_classes):
    normal = keras.initializers.RandomNormal(stddev=1.0)
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(30, kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(num_classes, kernel_initializer=normal, bias_initializer=normal),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=3.0),
        loss=OneHotMeanSquaredError(num_classes),
        metrics=["accuracy"],
    )
    return model


def so48385830_fixed(input_shape, num_classes):
    normal = keras.initializers.RandomNormal(stddev=1.0)
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(30, activation="sigmoid", kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(num_classes, activation="softmax", kernel_initializer=normal, bias_initializer=normal),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=3.0), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


# ------------------------------------------------------- SO 55328966: raw pixels, sigmoid output, categorical loss
def _so55328966(input_shape, num_classes, output_activation, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(784),
            layers.Dense(50, kernel_regularizer=keras.regularizers.L2(0.0)),
            layers.Activation("relu"),
            layers.Dense(num_classes, kernel_regularizer=keras.regularizers.L2(0.0)),
            layers.Activation(output_activation),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def so55328966_faulty(input_shape, num_classes):
    # tf.compat.v1.train.GradientDescentOptimizer(alpha), alpha = 0.0001
    return _so55328966(input_shape, num_classes, "sigmoid", keras.optimizers.SGD(learning_rate=0.0001))


def so55328966_fixed(input_shape, num_classes):
    # the pixels are divided by 255 (params), softmax output, and Adam at the same alpha (DeepFD's patch)
    return _so55328966(input_shape, num_classes, "softmax", keras.optimizers.Adam(learning_rate=0.0001))


# ------------------------------------------------------------------- SO 47352366: ReLU output, categorical loss
def _so47352366(input_shape, num_classes, output_activation):
    bias = keras.initializers.Constant(0.1)
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (5, 5), padding="same", activation="relu", bias_initializer=bias),
            layers.MaxPooling2D(padding="same"),
            layers.Conv2D(64, (5, 5), padding="same", activation="relu", bias_initializer=bias),
            layers.MaxPooling2D(padding="same"),
            layers.Reshape((1, -1)),
            layers.Dense(1024, activation="relu", bias_initializer=bias),
            layers.Dropout(0.5),
            layers.Flatten(),
            layers.Dense(num_classes, activation=output_activation),
        ]
    )
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer="adam", metrics=["accuracy"])
    return model


def so47352366_faulty(input_shape, num_classes):
    return _so47352366(input_shape, num_classes, "relu")


def so47352366_fixed(input_shape, num_classes):
    return _so47352366(input_shape, num_classes, "softmax")


# ------------------------------------------- SO 58609115: sigmoid everywhere, binary cross-entropy for many classes
def so58609115_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(69, kernel_initializer="random_normal"),
            layers.Activation("sigmoid"),
            layers.Dense(69, kernel_initializer="random_normal"),
            layers.Activation("sigmoid"),
            layers.Dense(num_classes, kernel_initializer="random_normal"),
            layers.Activation("sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def so58609115_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(69, kernel_initializer="random_normal"),
            layers.Activation("relu"),
            layers.Dense(69, kernel_initializer="random_normal"),
            layers.Activation("relu"),
            layers.Dense(num_classes, kernel_initializer="random_normal"),
            layers.Activation("softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# ------------------------------------------- SO 50079585: one sigmoid unit and binary loss for three image classes
def _so50079585(input_shape, head):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(64),
            layers.Activation("relu"),
            layers.Dropout(0.5),
            *head,
        ]
    )


def so50079585_faulty(input_shape, num_classes):
    model = _so50079585(input_shape, [layers.Dense(1), layers.Activation("sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def so50079585_fixed(input_shape, num_classes):
    model = _so50079585(input_shape, [layers.Dense(num_classes), layers.Activation("softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


# ------------------------------------------------------------ SO 31880720: softmax over a single output unit
def _so31880720(input_shape, head):
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(units=50, activation="relu"),
            layers.Activation("relu"),
            layers.Dropout(0.2),
            layers.Dense(units=50),
            layers.Activation("relu"),
            layers.Dropout(0.2),
            *head,
        ]
    )


def so31880720_faulty(input_shape, num_classes):
    model = _so31880720(input_shape, [layers.Dense(1), layers.Activation("softmax")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    return model


def so31880720_fixed(input_shape, num_classes):
    # Dense(1, activation='sigmoid'): one sigmoid unit per class, as cnn-doctor needs one output per class
    model = _so31880720(input_shape, [layers.Dense(num_classes, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"])
    return model


# ------------------------------------------------- SO 59278771: iris network, sigmoid output, unscaled features
def so59278771_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(4, kernel_initializer="random_normal"),
            layers.Activation("relu"),
            layers.Dense(num_classes, kernel_initializer="random_normal"),
            layers.Activation("sigmoid"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def so59278771_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(4, activation="relu", kernel_initializer="random_normal"),
            layers.Dense(8, activation="relu", kernel_initializer="random_normal"),
            layers.Dense(num_classes, activation="softmax", kernel_initializer="random_normal"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# ------------------------------------------------ SO 44066044: ReLU output under binary cross-entropy, raw features
def _so44066044(input_shape, num_classes, output_activation):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(12, kernel_initializer="random_normal"),
            layers.Activation("relu"),
            layers.Dense(12, kernel_initializer="random_normal"),
            layers.Activation("relu"),
            layers.Dense(num_classes, kernel_initializer="random_normal"),
            layers.Activation(output_activation),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="Adam", metrics=["accuracy"])
    return model


def so44066044_faulty(input_shape, num_classes):
    return _so44066044(input_shape, num_classes, "relu")


def so44066044_fixed(input_shape, num_classes):
    return _so44066044(input_shape, num_classes, "sigmoid")


# ----------------------------------------------------------- SO 34673164: softmax output under mean squared error
def mean_squared_error(y_true, y_pred):
    """loss='mean_squared_error' on one-hot labels (a plain function, unregistered)."""
    return ops.mean(ops.square(_one_hot(y_true, y_pred.shape[-1]) - y_pred), axis=-1)


def _so34673164(input_shape, num_classes, batch_norm, output_activation):
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            *([layers.BatchNormalization()] if batch_norm else []),
            layers.Dense(64, kernel_initializer=uniform),
            layers.Activation("tanh"),
            layers.Dropout(0.5),
            layers.Dense(64, kernel_initializer=uniform),
            layers.Activation("tanh"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, kernel_initializer=uniform),
            layers.Activation(output_activation),
        ]
    )


def so34673164_faulty(input_shape, num_classes):
    model = _so34673164(input_shape, num_classes, False, "softmax")
    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    model.compile(loss=mean_squared_error, optimizer=sgd, metrics=["accuracy"])
    return model


def so34673164_fixed(input_shape, num_classes):
    model = _so34673164(input_shape, num_classes, True, "sigmoid")
    sgd = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    model.compile(loss="binary_crossentropy", optimizer=sgd, metrics=["accuracy"])
    return model


# ---------------------------------------------------------------- SO 48594888: CIFAR-10 CNN on unscaled pixels
def so48594888_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(filters=64, kernel_size=(3, 3), kernel_initializer="he_normal"),
            layers.Activation("relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(filters=256, kernel_size=(3, 3), kernel_initializer="he_normal"),
            layers.Activation("relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(512),
            layers.Activation("relu"),
            layers.Dropout(0.3),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def so48594888_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(filters=64, kernel_size=(3, 3), activation="relu", kernel_initializer="he_normal"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(filters=256, kernel_size=(2, 2), kernel_initializer="he_normal", activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(1024, activation="relu"),
            layers.Dropout(0.4),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# ------------------------------------------------ SO 50306988: default Adam rate, five epochs (a 2-unit network)
def _so50306988(input_shape, num_classes, rate):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(units=2),
            layers.Activation("sigmoid"),
            layers.Dense(units=num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=rate), metrics=["accuracy"]
    )
    return model


def so50306988_faulty(input_shape, num_classes):
    return _so50306988(input_shape, num_classes, 0.001)


def so50306988_fixed(input_shape, num_classes):
    return _so50306988(input_shape, num_classes, 0.01)


# ------------------------------------------ SO 44164749: wide MLP, SGD 0.01, batches of 2000, five epochs
def _so44164749(input_shape, num_classes, rate):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(5000),
            layers.Activation("relu"),
            layers.Dropout(0.1),
            layers.Dense(600),
            layers.Activation("relu"),
            layers.Dropout(0.1),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    # SGD(lr=..., decay=1e-6, momentum=0.9, nesterov=True): the decay moves the rate by under 0.1% in this run
    sgd = keras.optimizers.SGD(learning_rate=rate, momentum=0.9, nesterov=True)
    model.compile(loss="categorical_crossentropy", optimizer=sgd, metrics=["accuracy"])
    return model


def so44164749_faulty(input_shape, num_classes):
    return _so44164749(input_shape, num_classes, 0.01)


def so44164749_fixed(input_shape, num_classes):
    return _so44164749(input_shape, num_classes, 0.05)


# ---------------------------------------------- GitHub ShyamPoovaiah/FacialKeypointsDetection: Adam at rate 0.1
def _facial_keypoints(input_shape, num_classes, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(50),
            layers.Dense(100),
            layers.Dense(num_classes, activation="softmax"),  # Dense(30): 30 keypoint coordinates, regressed
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def facial_keypoints_faulty(input_shape, num_classes):
    return _facial_keypoints(input_shape, num_classes, keras.optimizers.Adam(learning_rate=0.1))


def facial_keypoints_fixed(input_shape, num_classes):
    sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True, clipnorm=1)
    return _facial_keypoints(input_shape, num_classes, sgd)


# ------------------------------------- GitHub tautvydasversockas/MovieReviews_Keras: 4 epochs, no dropout
def _movie_reviews(input_shape, num_classes, dropout):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(16, activation="relu"),
            *([layers.Dropout(0.5)] if dropout else []),
            layers.Dense(16, activation="relu"),
            *([layers.Dropout(0.5)] if dropout else []),
            layers.Dense(num_classes, activation="softmax"),  # Dense(1, sigmoid) on two sentiments
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def movie_reviews_faulty(input_shape, num_classes):
    return _movie_reviews(input_shape, num_classes, False)


def movie_reviews_fixed(input_shape, num_classes):
    return _movie_reviews(input_shape, num_classes, True)


# ------------------------------------------------ GitHub eangelou/kerasma: two small hidden layers (12, 8)
def kerasma_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(12),
            layers.Activation("relu"),
            layers.Dense(8),
            layers.Activation("relu"),
            layers.Dense(num_classes),
            layers.Activation("softmax"),  # Dense(1, sigmoid) on the diabetes label
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def kerasma_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(12, activation="relu"),
            layers.Dense(24, activation="relu"),
            layers.Dense(120, activation="relu"),
            layers.Dense(36, activation="relu"),
            layers.Dense(12, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# ------------------------------- GitHub ulmefors/Traffic-Sign-Classifier: ReLU on the first colour and edge layers
def _traffic_signs(input_shape, num_classes, first, second, third):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Lambda(lambda p: p / 255.0 - 0.5),  # the program scales the raw pixels itself
            layers.Conv2D(3, (1, 1), activation=first),
            layers.Conv2D(16, (5, 5), strides=(2, 2), activation=second),
            layers.Conv2D(32, (3, 3), activation=third),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Conv2D(128, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def traffic_signs_faulty(input_shape, num_classes):
    return _traffic_signs(input_shape, num_classes, "relu", "relu", "relu")


def traffic_signs_fixed(input_shape, num_classes):
    return _traffic_signs(input_shape, num_classes, "sigmoid", "elu", "elu")


# --------------------------------- SO 59325381: the CNN whose test pixels were left unscaled (fault in the data)
def _so59325381(input_shape, num_classes, loss):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(64, (3, 3), strides=(1, 1), padding="same"),
            layers.MaxPooling2D(pool_size=(2, 2), padding="valid"),
            layers.Conv2D(32, (3, 3), strides=(1, 1), padding="same"),
            layers.MaxPooling2D(pool_size=(2, 2), padding="valid"),
            layers.Flatten(),
            layers.Dense(128),
            layers.Activation("relu"),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def so59325381_faulty(input_shape, num_classes):
    return _so59325381(input_shape, num_classes, "sparse_categorical_crossentropy")


def so59325381_fixed(input_shape, num_classes):
    return _so59325381(input_shape, num_classes, "categorical_crossentropy")
