"""Programs from GitHub issue threads whose reporters posted the faulty code and whose maintainers or commenters
named the fix: keras-team/keras#2506 and #7177, tensorflow/tensorflow#37683 and #3916,
aymericdamien/TensorFlow-Examples#255. Re-expressed as cnn-doctor model builders
`build(input_shape, num_classes) -> keras.Model` (see deeplocalize.py for the rules). Loaded by cnn-doctor on its own.
"""

import keras
from keras import layers


# ------------------------------------ keras-team/keras#2506: the mnist_cnn example with every layer trainable=False
def _mnist_cnn_2016(input_shape, num_classes, trainable):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3), trainable=trainable),
            layers.Activation("relu"),
            layers.Conv2D(32, (3, 3), trainable=trainable),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, trainable=trainable),
            layers.Activation("relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, trainable=trainable),
            layers.Activation("softmax"),
        ]
    )
    # optimizer='adadelta': Keras 1's Adadelta ran at lr=1.0 (Keras 3's default is 0.001)
    model.compile(
        loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(learning_rate=1.0), metrics=["accuracy"]
    )
    return model


def keras2506_faulty(input_shape, num_classes):
    return _mnist_cnn_2016(input_shape, num_classes, trainable=False)


def keras2506_fixed(input_shape, num_classes):
    return _mnist_cnn_2016(input_shape, num_classes, trainable=True)


# ------------------- keras-team/keras#7177: BatchNormalization's moving statistics (momentum 0.99) after few updates
def keras7177(input_shape, num_classes):
    """A small CNN with BatchNormalization at Keras's default momentum (the thread's ResNet50 re-expressed)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3), padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, (3, 3), padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# --------------- tensorflow/tensorflow#37683: a subclassed keras.Model with softmax output under from_logits=True
class MyModel(keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.conv1 = layers.Conv2D(32, 3, activation="relu")
        self.flatten = layers.Flatten()
        self.d1 = layers.Dense(128, activation="relu")
        self.d2 = layers.Dense(num_classes, activation="softmax")

    def call(self, x):
        x = self.conv1(x)
        x = self.flatten(x)
        x = self.d1(x)
        return self.d2(x)


def _tf37683(input_shape, num_classes, from_logits):
    model = MyModel(num_classes)
    model(keras.Input(input_shape))
    # metrics=[keras.metrics.Accuracy()] (the thread's second bug, a crash) is left out
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
    )
    return model


def tf37683_faulty(input_shape, num_classes):
    return _tf37683(input_shape, num_classes, True)


def tf37683_fixed(input_shape, num_classes):
    return _tf37683(input_shape, num_classes, False)


# ---------------------------- tensorflow/tensorflow#3916: mnist_softmax.py grown to a sigmoid MLP, all weights zero
def _tf3916(input_shape, num_classes, kernel):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(1000, activation="sigmoid", kernel_initializer=kernel, bias_initializer="zeros"),
            layers.Dense(num_classes, activation="softmax", kernel_initializer=kernel, bias_initializer="zeros"),
        ]
    )
    # tf.train.GradientDescentOptimizer(0.5) on reduce_mean(-reduce_sum(y_ * log(y), 1))
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.5), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def tf3916_faulty(input_shape, num_classes):
    return _tf3916(input_shape, num_classes, "zeros")


def tf3916_fixed(input_shape, num_classes):
    return _tf3916(input_shape, num_classes, keras.initializers.TruncatedNormal(stddev=0.1))


# -------------- aymericdamien/TensorFlow-Examples#255: convolutional_network_raw.py, N(0, 1) weights and biases
def _convnet_raw(input_shape, num_classes, kernel, bias):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, 5, padding="same", activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(64, 5, padding="same", activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.MaxPooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dense(1024, activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.Dropout(0.2),  # keep_prob 0.8 while training
            layers.Dense(num_classes, kernel_initializer=kernel, bias_initializer=bias),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def convnet_raw_faulty(input_shape, num_classes):
    normal = keras.initializers.RandomNormal(stddev=1.0)  # tf.random_normal
    return _convnet_raw(input_shape, num_classes, normal, normal)


def convnet_raw_fixed(input_shape, num_classes):
    return _convnet_raw(input_shape, num_classes, "glorot_uniform", "zeros")
