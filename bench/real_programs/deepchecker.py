"""Programs of TheDeepChecker (Ben Braiek and Khomh, "Testing feedforward neural networks training programs",
TOSEM 2023; repository thedeepchecker/thedeepchecker): its runnable copies of Stack Overflow programs
(SO_buggy_examples/IPS_*.py), of Zhang et al.'s TensorFlow bugs from aymericdamien/TensorFlow-Examples
(GH_buggy_examples/TFE_*), and its faults injected into one clean LeNet-like program
(clean_base_programs/baseCNN.py, buggy_synthetic_programs/*/baseCNN_*.py).

The TensorFlow 1 graphs are re-expressed as cnn-doctor model builders `build(input_shape, num_classes) ->
keras.Model`: tf.Variable weights become Keras layers with the same initialisers, hand-written layers and losses
become Keras Layer / Loss subclasses or plain functions (none registered for serialisation), and
tf.train.*Optimizer becomes the Keras optimizer at the same rate. Loaded by cnn-doctor on its own.
"""

import keras
from keras import layers, ops


def _one_hot(y_true, num_classes):
    """Class indices as one-hot rows (one-hot rows pass through): the programs fed one-hot labels."""
    if len(y_true.shape) == 2 and y_true.shape[-1] == num_classes:
        return ops.cast(y_true, "float32")
    return ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), num_classes)


# ------------------------------------------------------- IPS_4: three ReLU layers with N(0, 1) weights and biases
def _ips4(input_shape, num_classes, kernel, bias):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(500, activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.Dense(500, activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.Dense(500, activation="relu", kernel_initializer=kernel, bias_initializer=bias),
            layers.Dense(num_classes, kernel_initializer=kernel, bias_initializer=bias),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.003),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def ips4_faulty(input_shape, num_classes):
    normal = keras.initializers.RandomNormal(stddev=1.0)  # tf.random_normal
    return _ips4(input_shape, num_classes, normal, normal)


def ips4_fixed(input_shape, num_classes):
    return _ips4(input_shape, num_classes, "glorot_uniform", "zeros")


# ---------------------------------------------- IPS_11: hand-written conv and fc layers, ReLU on the logits layer
class ConvLayer(keras.layers.Layer):
    """conv_layer(): 5x5 convolution, bias 0.1, ReLU, 2x2 max-pool, weights as the program's tf.Variables."""

    def __init__(self, size_out, **kwargs):
        super().__init__(**kwargs)
        self.size_out = size_out

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(5, 5, input_shape[-1], self.size_out),
            initializer=keras.initializers.TruncatedNormal(stddev=0.1),
            name="W",
        )
        self.b = self.add_weight(shape=(self.size_out,), initializer=keras.initializers.Constant(0.1), name="B")

    def call(self, inputs):
        act = ops.relu(ops.conv(inputs, self.w, strides=1, padding="same") + self.b)
        return ops.max_pool(act, pool_size=2, strides=2, padding="same")


class FCLayer(keras.layers.Layer):
    """fc_layer(): matmul, bias 0.1, ReLU (`relu=False` for the fixed logits layer)."""

    def __init__(self, size_out, relu=True, **kwargs):
        super().__init__(**kwargs)
        self.size_out, self.relu = size_out, relu

    def build(self, input_shape):
        self.w = self.add_weight(
            shape=(input_shape[-1], self.size_out), initializer=keras.initializers.TruncatedNormal(stddev=0.1), name="W"
        )
        self.b = self.add_weight(shape=(self.size_out,), initializer=keras.initializers.Constant(0.1), name="B")

    def call(self, inputs):
        out = ops.matmul(inputs, self.w) + self.b
        return ops.relu(out) if self.relu else out


def _ips11(input_shape, num_classes, relu_on_logits):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            ConvLayer(32, name="conv1"),
            ConvLayer(64, name="conv2"),
            layers.Flatten(),
            FCLayer(1024, name="fc1"),
            FCLayer(num_classes, relu=relu_on_logits, name="fc2"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def ips11_faulty(input_shape, num_classes):
    return _ips11(input_shape, num_classes, True)


def ips11_fixed(input_shape, num_classes):
    return _ips11(input_shape, num_classes, False)


# ------------------------- TFE 742675d (TensorFlow-Examples logistic_regression.py, "fix #10"): summed cross-entropy
def _logistic_regression(input_shape, num_classes, loss):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax", kernel_initializer="zeros", bias_initializer="zeros"),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=loss, metrics=["accuracy"])
    return model


def tfe742675d_faulty(input_shape, num_classes):
    def cost(y_true, y_pred):  # -tf.reduce_sum(y*tf.log(activation)): summed over the batch too
        return -ops.sum(_one_hot(y_true, num_classes) * ops.log(y_pred))

    return _logistic_regression(input_shape, num_classes, cost)


def tfe742675d_fixed(input_shape, num_classes):
    def cost(y_true, y_pred):  # tf.reduce_mean(-tf.reduce_sum(y*tf.log(activation), reduction_indices=1))
        return ops.mean(-ops.sum(_one_hot(y_true, num_classes) * ops.log(y_pred), axis=1))

    return _logistic_regression(input_shape, num_classes, cost)


# ------------------------- TFE bc09f95 (TensorFlow-Examples tensorboard_advanced.py): reduce_sum of the batch's loss
def _tensorboard_advanced(input_shape, num_classes, reduction):
    normal = keras.initializers.RandomNormal(stddev=1.0)  # the example's tf.random_normal weights and biases
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(256, activation="relu", kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(256, activation="relu", kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(num_classes, kernel_initializer=normal, bias_initializer=normal),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True, reduction=reduction),
        metrics=["accuracy"],
    )
    return model


def tfebc09f95_faulty(input_shape, num_classes):
    return _tensorboard_advanced(input_shape, num_classes, "sum")


def tfebc09f95_fixed(input_shape, num_classes):
    return _tensorboard_advanced(input_shape, num_classes, "sum_over_batch_size")


# ---------------------------------------------------------- clean_base_programs/baseCNN.py and its injected faults
def _base_cnn(input_shape, num_classes, l2=1e-5, kernel=None, conv1_activation="relu", head=(), first=()):
    regularizer = keras.regularizers.L1L2(l1=0.0, l2=l2)
    # he_normal on the hidden layers, tf.layers.dense's default (Glorot) on the logits, unless the fault sets one
    hidden, logits = (kernel, kernel) if kernel else ("he_normal", "glorot_uniform")
    return keras.Sequential(
        [
            keras.Input(input_shape),
            *first,
            layers.Conv2D(
                32,
                (5, 5),
                padding="same",
                activation=conv1_activation,
                kernel_initializer=hidden,
                kernel_regularizer=regularizer,
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Conv2D(
                64, (3, 3), padding="same", activation="relu", kernel_initializer=hidden, kernel_regularizer=regularizer
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Flatten(),
            layers.Dense(512, activation="relu", kernel_initializer=hidden, kernel_regularizer=regularizer),
            layers.Dense(num_classes, kernel_initializer=logits, kernel_regularizer=regularizer),
            *head,
        ]
    )


def _compile_base(model, rate=0.1, loss=None):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=rate),
        loss=loss or keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def base_cnn(input_shape, num_classes):
    """The clean program (the fixed version of every injected fault)."""
    return _compile_base(_base_cnn(input_shape, num_classes))


def base_cnn_high_lr(input_shape, num_classes):  # high_lr/baseCNN_high_lr.py: GradientDescentOptimizer(0.5)
    return _compile_base(_base_cnn(input_shape, num_classes), rate=0.5)


def base_cnn_low_lr(input_shape, num_classes):  # low_lr/baseCNN_low_lr.py: GradientDescentOptimizer(0.001)
    return _compile_base(_base_cnn(input_shape, num_classes), rate=0.001)


def base_cnn_over_regularized(input_shape, num_classes):  # over_regulariaztion/baseCNN_over_reg.py: l2=1e-1
    return _compile_base(_base_cnn(input_shape, num_classes, l2=0.1))


def base_cnn_constant_init(input_shape, num_classes):  # wrong_init/baseCNN_constant.py: constant(0.01) kernels
    return _compile_base(_base_cnn(input_shape, num_classes, kernel=keras.initializers.Constant(0.01)))


def base_cnn_softmax_hidden(input_shape, num_classes):  # wrong_activation/baseCNN_wrong_act.py: softmax in conv1
    return _compile_base(_base_cnn(input_shape, num_classes, conv1_activation="softmax"))


def base_cnn_double_scaled(input_shape, num_classes):
    """double_normalization/baseCNN_dbl_norm.py: the data loader divides by the pixel range twice; here the model's
    own Rescaling(1/255) divides pixels that cnn-doctor's preprocess.normalize=unit already divided."""
    return _compile_base(_base_cnn(input_shape, num_classes, first=[layers.Rescaling(1.0 / 255)]))


def base_cnn_redundant_softmax(input_shape, num_classes):
    """redundant_softmax/baseCNN_red_soft.py: softmax probabilities passed to softmax_cross_entropy_with_logits."""
    return _compile_base(_base_cnn(input_shape, num_classes, head=[layers.Softmax()]))


class CrossEntropy(keras.losses.Loss):
    """wrong_loss_function/baseCNN_wrong_loss.py: -reduce_mean(labels * log(p), axis=1) per image (a mean over the
    classes where a sum belongs), then reduce_sum over the batch (a sum where a mean belongs)."""

    def __init__(self, num_classes):
        super().__init__(name="cross_entropy", reduction="sum")
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        probabilities = ops.clip(y_pred, 1e-32, 1 - 1e-32)
        return -ops.mean(_one_hot(y_true, self.num_classes) * ops.log(probabilities), axis=1)


def _stable_softmax(logits):
    """The program's own softmax (self.softmax), as a Lambda layer."""
    shifted = logits - ops.max(logits, axis=1, keepdims=True)
    return ops.exp(shifted) / ops.sum(ops.exp(shifted), axis=1, keepdims=True)


def base_cnn_mean_sum_swapped(input_shape, num_classes):
    model = _base_cnn(input_shape, num_classes, head=[layers.Lambda(_stable_softmax)])
    return _compile_base(model, loss=CrossEntropy(num_classes))
