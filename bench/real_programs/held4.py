"""The fourth held-aside set ("held4", added 2026-12-06, written by a helper who never ran the doctor on them):
programs of two benchmarks no earlier set draws on.

- Zhang et al.'s TensorFlow program bugs (ISSTA 2018; ForeverZyh/TensorFlow-Program-Bugs 158ba0a,
  StackOverflow/<root cause>-<n>/<question>-buggy and -fix): the "incorrect model parameter or structure" (IPS)
  subjects that train, in the order the repository numbers them, less those TheDeepChecker's copies already gave
  the other splits (IPS-4, IPS-7, IPS-11, IPS-14), IPS-2 and IPS-6 (the same reduced program as IPS-1) and IPS-12
  (its fault is in the accuracy it prints, not in training).
- NeuraLint's synthetic programs (Nikanjam et al., neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples'):
  faults injected into one clean TensorFlow LeNet, TF_lenet.py (the fixed version of every one of them), in the
  order the folder lists them, less those that cannot run in their source either (no variable initialiser, no
  training loop, a reshape or dense layer of the wrong shape, poolings or strides that shrink a 28-px image below
  one pixel) and the four mixed-fault programs.

Each program is re-expressed as cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model`, one for
the faulty program and one with the fix its source states, compiled by the builder (cnn-doctor keeps a compiled
model's optimizer and loss). The network, initialisers, loss and optimizer are the program's; the data, epochs and
batch size come from params (the catalogue in __init__.py). TensorFlow 1 graphs become Keras layers with the same
initialisers (tf.layers' defaults are Keras's: Glorot-uniform kernels, zero biases); hand-written losses and
tf.losses.log_loss become Loss subclasses (none registered for serialisation) that one-hot encode the class indices
cnn-doctor gives a loss whose name says neither "categorical" nor "binary". A program that ends in one unit for two
classes keeps its one unit: cnn-doctor reads it as a 0/1 label column. Toy regressions (IPS-5, IPS-15, IPS-17)
become linear regressions of one-hot targets on the pixels, with the program's initialisation, loss and optimizer.

This file is loaded by cnn-doctor on its own (model.builder=bench/real_programs/held4.py:<function>): it imports
nothing of the benchmarks nor of the other catalogue modules.
"""

import keras
from keras import layers, ops


def _targets(y_true, y_pred):
    """The program's targets for an output of y_pred's width: one unit takes the 0/1 label column itself, wider
    outputs one-hot rows (one-hot rows pass through)."""
    units = y_pred.shape[-1]
    if units == 1:
        return ops.reshape(ops.cast(y_true, y_pred.dtype), (-1, 1))
    if len(y_true.shape) == 2 and y_true.shape[-1] == units:
        return ops.cast(y_true, y_pred.dtype)
    return ops.cast(ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), units), y_pred.dtype)


class _HandWrittenLoss(keras.losses.Loss):
    """A program's own loss, computed on the program's targets (one-hot rows, or the 0/1 column of one unit)."""

    def __init__(self, name="cross_entropy"):
        super().__init__(name=name)

    def call(self, y_true, y_pred):
        return self.value(_targets(y_true, y_pred), y_pred)

    def value(self, y, y_pred):
        raise NotImplementedError


# ============================================ Zhang et al. (ForeverZyh/TensorFlow-Program-Bugs) StackOverflow/IPS-*
class SummedLogSoftmax(_HandWrittenLoss):
    """IPS-1 (SO 33712178): cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv)), summed over the batch and the
    classes; `clip`: the fix's tf.clip_by_value(y_conv, 1e-10, 1.0) (None: the unclipped log of the question)."""

    def __init__(self, clip=None):
        super().__init__()
        self.clip = clip

    def value(self, y, y_pred):
        p = y_pred if self.clip is None else ops.clip(y_pred, self.clip, 1.0)
        return -ops.sum(y * ops.log(p))


def _deep_mnist(input_shape, num_classes, loss):
    """The TensorFlow 'Deep MNIST for experts' CNN of IPS-1: truncated_normal(0.1) weights, 0.1 biases, 5x5 ReLU
    convolutions 32 and 64 with SAME padding and SAME 2x2 max pooling, fc 1024 ReLU, dropout 0.5 (keep_prob 0.5),
    softmax output; AdamOptimizer(1e-4)."""

    def kwargs():
        return {
            "kernel_initializer": keras.initializers.TruncatedNormal(stddev=0.1),
            "bias_initializer": keras.initializers.Constant(0.1),
        }

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (5, 5), padding="same", activation="relu", **kwargs()),
            layers.MaxPooling2D(pool_size=2, padding="same"),
            layers.Conv2D(64, (5, 5), padding="same", activation="relu", **kwargs()),
            layers.MaxPooling2D(pool_size=2, padding="same"),
            layers.Flatten(),
            layers.Dense(1024, activation="relu", **kwargs()),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax", **kwargs()),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4), loss=loss, metrics=["accuracy"])
    return model


def zyh_ips1_faulty(input_shape, num_classes):
    return _deep_mnist(input_shape, num_classes, SummedLogSoftmax())


def zyh_ips1_fixed(input_shape, num_classes):
    """The accepted answer: tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0))."""
    return _deep_mnist(input_shape, num_classes, SummedLogSoftmax(clip=1e-10))


class MeanSquaredErrorOneHot(_HandWrittenLoss):
    """tf.reduce_mean(tf.square(y_ - y)) on one-hot targets (`scale` times it; `summed`: tf.reduce_sum instead)."""

    def __init__(self, scale=1.0, summed=False, name="squared_error"):
        super().__init__(name=name)
        self.scale, self.summed = scale, summed

    def value(self, y, y_pred):
        squares = ops.square(y - y_pred)
        return self.scale * (ops.sum(squares) if self.summed else ops.mean(squares))


def _linear_regression(input_shape, num_classes, kernel, loss, optimizer):
    """A linear model y = xW + b of one-hot targets (the toy regressions' y = w*x + b on the pixels)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(num_classes, kernel_initializer=kernel, bias_initializer=kernel),
        ]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def zyh_ips5_faulty(input_shape, num_classes):
    """IPS-5 (SO 39939881): zero W and B, reduce_mean(square(y_ - y)), GradientDescentOptimizer(1e-1)."""
    return _linear_regression(
        input_shape, num_classes, "zeros", MeanSquaredErrorOneHot(), keras.optimizers.SGD(learning_rate=0.1)
    )


def zyh_ips5_fixed(input_shape, num_classes):
    """The fix: AdamOptimizer(1e-1)."""
    return _linear_regression(
        input_shape, num_classes, "zeros", MeanSquaredErrorOneHot(), keras.optimizers.Adam(learning_rate=0.1)
    )


def _float16_cnn(input_shape, num_classes, optimizer):
    """IPS-10 (SO 42064941): a float16 network (dtype = tf.float16: variables and computation) of one slim.conv2d
    (3x3, 16 filters, SAME, ReLU) and, to classify, a softmax layer; AdamOptimizer(1e-3)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(16, (3, 3), padding="same", activation="relu", dtype="float16"),
            layers.Flatten(dtype="float16"),
            layers.Dense(num_classes, activation="softmax", dtype="float16"),
        ]
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def zyh_ips10_faulty(input_shape, num_classes):
    """AdamOptimizer(1e-3) at its default epsilon (1e-8 in TensorFlow 1; Keras's 1e-7), which float16 rounds to 0."""
    return _float16_cnn(input_shape, num_classes, keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-8))


def zyh_ips10_fixed(input_shape, num_classes):
    """The answer: AdamOptimizer(1e-3, epsilon=1e-4)."""
    return _float16_cnn(input_shape, num_classes, keras.optimizers.Adam(learning_rate=1e-3, epsilon=1e-4))


def _heart_logistic_regression(input_shape, num_classes, beta, rate):
    """IPS-13 (SO 45002504): softmax regression score = XW + b, W truncated_normal (std 1), b zeros,
    reduce_mean(softmax_cross_entropy_with_logits + BETA * tf.nn.l2_loss(W)) (l2_loss = sum(W**2) / 2),
    GradientDescentOptimizer(LEARNING_RATE)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(
                num_classes,
                kernel_initializer=keras.initializers.TruncatedNormal(stddev=1.0),
                bias_initializer="zeros",
                kernel_regularizer=keras.regularizers.L2(beta / 2),
            ),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=rate),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def zyh_ips13_faulty(input_shape, num_classes):
    """BETA = 1, LEARNING_RATE = 0.5."""
    return _heart_logistic_regression(input_shape, num_classes, beta=1.0, rate=0.5)


def zyh_ips13_fixed(input_shape, num_classes):
    """The fix: BETA = 0.1, LEARNING_RATE = 0.01."""
    return _heart_logistic_regression(input_shape, num_classes, beta=0.1, rate=0.01)


def _ips15(input_shape, num_classes, rate):
    """IPS-15 (SO 43636736): W = tf.ones (the bias is a feature of ones: here the bias, also ones),
    MSE = 1/(2T) * reduce_sum((Y - Yhat)**2) over the T examples, GradientDescentOptimizer(rate)."""
    return _linear_regression(
        input_shape,
        num_classes,
        "ones",
        MeanSquaredErrorOneHot(scale=0.5 * num_classes),  # half the squared error summed over the outputs
        keras.optimizers.SGD(learning_rate=rate),
    )


def zyh_ips15_faulty(input_shape, num_classes):
    return _ips15(input_shape, num_classes, 0.5)


def zyh_ips15_fixed(input_shape, num_classes):
    """The answer: GradientDescentOptimizer(0.0005)."""
    return _ips15(input_shape, num_classes, 0.0005)


def _ips17(input_shape, num_classes, rate):
    """IPS-17 (SO 46577203): zero parameters, loss = tf.reduce_sum(tf.square(model - y)) (summed over the batch),
    GradientDescentOptimizer(rate)."""
    return _linear_regression(
        input_shape,
        num_classes,
        "zeros",
        MeanSquaredErrorOneHot(summed=True, name="sum_of_squares"),
        keras.optimizers.SGD(learning_rate=rate),
    )


def zyh_ips17_faulty(input_shape, num_classes):
    return _ips17(input_shape, num_classes, 0.01)


def zyh_ips17_fixed(input_shape, num_classes):
    """The answer: GradientDescentOptimizer(0.001)."""
    return _ips17(input_shape, num_classes, 0.001)


# ====================================== NeuraLint 'sample_buggy_scripts/Synthetic Samples' (TF_lenet.py and mutants)
class LogLoss(_HandWrittenLoss):
    """tf.losses.log_loss(labels, predictions): -y*log(p + 1e-7) - (1 - y)*log(1 - p + 1e-7), averaged over every
    element (the batch and the output units); it takes whatever the output gives as probabilities."""

    def __init__(self, name="log_loss"):
        super().__init__(name=name)

    def value(self, y, y_pred):
        eps = 1e-7
        return ops.mean(-y * ops.log(y_pred + eps) - (1 - y) * ops.log(1 - y_pred + eps))


class LogLossOfSoftmax(LogLoss):
    """TF_lenet_redundant_activation.py: predictions = tf.nn.softmax(y_pred) (a softmax output) into log_loss."""

    def value(self, y, y_pred):
        return super().value(y, ops.softmax(y_pred, axis=-1))


def _conv(filters, kernel, activation="relu", **kwargs):
    return layers.Conv2D(filters, kernel, padding="same", activation=activation, **kwargs)


def _pool():
    return layers.MaxPooling2D(pool_size=(2, 2), strides=2)


def _compile_lenet(model, loss=None):
    # --lr 3e-4 (the program's default); tf.losses.softmax_cross_entropy(one-hot labels, logits)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-4),
        loss=loss or keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _lenet(input_shape, num_classes, *, conv_activation="relu", kernel=None, bias="zeros", output_activation=None):
    """TF_lenet.py's build_model: 5x5 convolutions 32 and 64 (SAME), 2x2 max pooling after each, dense 512 ReLU,
    dropout 0.25, logits. `kernel`: a function giving the mutant's kernel initialiser of the convolutions and the
    dense layer (None: tf.layers' default, Glorot uniform); `bias`: the convolutions' bias initialiser."""

    def init():
        return {} if kernel is None else {"kernel_initializer": kernel()}

    return keras.Sequential(
        [
            keras.Input(input_shape),
            _conv(32, (5, 5), conv_activation, bias_initializer=bias, **init()),
            _pool(),
            _conv(64, (5, 5), conv_activation, bias_initializer=bias, **init()),
            _pool(),
            layers.Flatten(),
            layers.Dense(512, activation="relu", **init()),
            layers.Dropout(0.25),
            layers.Dense(num_classes, activation=output_activation),
        ]
    )


def neuralint_lenet(input_shape, num_classes):
    """TF_lenet.py, the clean program (the fixed version of every 10-class mutant)."""
    return _compile_lenet(_lenet(input_shape, num_classes))


# ------------------------------------------------------------ the binary mutants (labels y % 2, one output unit)
def _lenet_binary(input_shape, output_activation, loss):
    """TF_lenet_bin_*.py: the LeNet with one output unit for a two-class label column (y_train % 2)."""
    return _compile_lenet(_lenet(input_shape, 1, output_activation=output_activation), loss)


def neuralint_bin_missing_sigmoid(input_shape, num_classes):
    """TF_lenet_bin_missing_sigmoid.py: dense(units=1, activation=None) into tf.losses.log_loss."""
    return _lenet_binary(input_shape, None, LogLoss())


def neuralint_bin_wrong_last_layer_activation(input_shape, num_classes):
    """TF_lenet_bin_wrong_last_layer_activation.py: dense(units=1, activation=tf.nn.softmax) into log_loss."""
    return _lenet_binary(input_shape, "softmax", LogLoss())


def neuralint_bin_sigmoid_log_loss(input_shape, num_classes):
    """The fix NeuraLint's rules name for the two mutants above: a sigmoid on the unit before log_loss."""
    return _lenet_binary(input_shape, "sigmoid", LogLoss())


def neuralint_bin_wrong_loss_inputs(input_shape, num_classes):
    """TF_lenet_bin_wrong_loss_inputs.py: dense(units=1, activation=tf.nn.sigmoid) into
    tf.losses.sigmoid_cross_entropy, which applies the sigmoid again (it takes logits)."""
    return _lenet_binary(input_shape, "sigmoid", keras.losses.BinaryCrossentropy(from_logits=True))


def neuralint_bin_logits_sigmoid_cross_entropy(input_shape, num_classes):
    """The fix: a linear unit (logits) into sigmoid_cross_entropy."""
    return _lenet_binary(input_shape, None, keras.losses.BinaryCrossentropy(from_logits=True))


# ------------------------------------------------------------------------------------- the 10-class mutants
def neuralint_constant_init(input_shape, num_classes):
    """TF_lenet_constant_init.py: kernel_initializer=tf.initializers.constant(0.1) on conv1, conv2 and dense."""
    return _compile_lenet(_lenet(input_shape, num_classes, kernel=lambda: keras.initializers.Constant(0.1)))


def neuralint_decreasing_window_size(input_shape, num_classes):
    """TF_lenet_decreasing_window_size.py: windows 9x9 and 6x6, then a third block (3x3, 128 filters, pooling)."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (9, 9)),
                _pool(),
                _conv(64, (6, 6)),
                _pool(),
                _conv(128, (3, 3)),
                _pool(),
                layers.Flatten(),
                layers.Dense(512, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_disconnected_pooling_layers(input_shape, num_classes):
    """TF_lenet_disconnected_pooling_layers.py: conv2 reads conv1 and the flatten reads conv2; the two pooling
    layers are built but feed nothing (no downsampling at all)."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5)),
                _conv(64, (5, 5)),
                layers.Flatten(),
                layers.Dense(512, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_double_activation(input_shape, num_classes):
    """TF_lenet_double_activation.py: conv1, conv2 and dense without activation, each followed by tf.nn.sigmoid."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5), None),
                layers.Activation("sigmoid"),
                _pool(),
                _conv(64, (5, 5), None),
                layers.Activation("sigmoid"),
                _pool(),
                layers.Flatten(),
                layers.Dense(512),
                layers.Activation("sigmoid"),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_dropout_before_batchnorm(input_shape, num_classes):
    """TF_lenet_dropout_before_batchnorm.py: biasless layers; after each pooling a dropout (0.35, 0.3) and then a
    batch normalisation; dense 512, dropout 0.25, batch normalisation, logits (the update ops run)."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5), use_bias=False),
                _pool(),
                layers.Dropout(0.35),
                layers.BatchNormalization(momentum=0.99),
                _conv(64, (5, 5), use_bias=False),
                _pool(),
                layers.Dropout(0.3),
                layers.BatchNormalization(momentum=0.99),
                layers.Flatten(),
                layers.Dense(512, activation="relu", use_bias=False),
                layers.Dropout(0.25),
                layers.BatchNormalization(momentum=0.99),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_dropout_before_pooling(input_shape, num_classes):
    """TF_lenet_dropout_before_pooling.py: biasless layers; a dropout (0.35, 0.3) between each convolution and its
    pooling; dense 512, dropout 0.25, logits."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5), use_bias=False),
                layers.Dropout(0.35),
                _pool(),
                _conv(64, (5, 5), use_bias=False),
                layers.Dropout(0.3),
                _pool(),
                layers.Flatten(),
                layers.Dense(512, activation="relu", use_bias=False),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_increasing_dense_widths(input_shape, num_classes):
    """TF_lenet_increasing_dense_widths.py: dense 128, 256, 512 (ReLU, each with dropout 0.25) before the logits."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5)),
                _pool(),
                _conv(64, (5, 5)),
                _pool(),
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(256, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(512, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_missing_relus(input_shape, num_classes):
    """TF_lenet_missing_relus.py: conv1 and conv2 with activation=None (the dense layer keeps its ReLU)."""
    return _compile_lenet(_lenet(input_shape, num_classes, conv_activation=None))


def neuralint_missing_softmax(input_shape, num_classes):
    """TF_lenet_missing_softmax.py: the logits into tf.losses.log_loss (no softmax)."""
    return _compile_lenet(_lenet(input_shape, num_classes), LogLoss())


def neuralint_non_increasing_filters(input_shape, num_classes):
    """TF_lenet_non_increasing_filters.py: filters 32, 16, then a third block of 8 (5x5, pooling)."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5)),
                _pool(),
                _conv(16, (5, 5)),
                _pool(),
                _conv(8, (5, 5)),
                _pool(),
                layers.Flatten(),
                layers.Dense(512, activation="relu"),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_non_zeros_biases(input_shape, num_classes):
    """TF_lenet_non_zeros_biases.py: bias_initializer='ones' on conv1 and conv2."""
    return _compile_lenet(_lenet(input_shape, num_classes, bias="ones"))


def neuralint_redundant_activation(input_shape, num_classes):
    """TF_lenet_redundant_activation.py: a softmax output layer, softmax applied again, then log_loss."""
    return _compile_lenet(_lenet(input_shape, num_classes, output_activation="softmax"), LogLossOfSoftmax())


def neuralint_useless_bias(input_shape, num_classes):
    """TF_lenet_useless_bias.py: a batch normalisation after conv1, conv2 (which keep their biases) and the dense
    layer (the update ops run)."""
    return _compile_lenet(
        keras.Sequential(
            [
                keras.Input(input_shape),
                _conv(32, (5, 5)),
                layers.BatchNormalization(momentum=0.99),
                _pool(),
                _conv(64, (5, 5)),
                layers.BatchNormalization(momentum=0.99),
                _pool(),
                layers.Flatten(),
                layers.Dense(512, activation="relu"),
                layers.BatchNormalization(momentum=0.99),
                layers.Dropout(0.25),
                layers.Dense(num_classes),
            ]
        )
    )


def neuralint_wrong_loss_inputs(input_shape, num_classes):
    """TF_lenet_wrong_loss_inputs.py: a softmax output layer into tf.losses.softmax_cross_entropy (which takes
    logits)."""
    return _compile_lenet(_lenet(input_shape, num_classes, output_activation="softmax"))


def neuralint_zeros_init(input_shape, num_classes):
    """TF_lenet_zeros_init.py: kernel_initializer='zeros' on conv1, conv2 and dense."""
    return _compile_lenet(_lenet(input_shape, num_classes, kernel=lambda: "zeros"))
