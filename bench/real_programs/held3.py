"""The third held-aside set ("held3", added 2026-12-05): programs of TheDeepChecker (thedeepchecker/thedeepchecker:
faults injected into its clean programs clean_base_programs/{baseCNN,deepCNN}.py, and its GitHub bugs
GH_buggy_examples/{DLT_0edb182,DLT_ded6612,TFE_333}), DeepLocalize (Wardat-ISU/DeepLocalize Benchmark/StackOverflow)
with DeepFD's patches (ArabelaTso/DeepFD Benchmark-with-patches.xlsx), AUTOTRAINER's demo cases
(shiningrain/AUTOTRAINER AutoTrainer/demo_case), UMLAUT's user-study programs (BerkeleyHCI/umlaut) and a keras-team
issue thread, none of them in the "dev", "held" or "held2" sets. DeepCrime's training-data mutants of this set use
deepcrime.py's subject. Nothing may be tuned on them.

Each program is re-expressed as cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model`, one for
the faulty program and one with the fix its source states, compiled by the builder (cnn-doctor keeps a compiled
model's optimizer and loss). The network, initialisers, loss and optimizer are the program's; the data, epochs and
batch size come from params (the catalogue in __init__.py). TensorFlow 1 graphs become Keras layers with the same
initialisers; hand-written losses become Loss subclasses (none registered for serialisation) that one-hot encode the
class indices cnn-doctor gives a loss whose name says neither "categorical" nor "binary". A program that ends in one
sigmoid (or softmax) unit for two classes keeps its one unit: cnn-doctor reads it as a 0/1 label column.

This file is loaded by cnn-doctor on its own (model.builder=bench/real_programs/held3.py:<function>): it imports
nothing of the benchmarks nor of the other catalogue modules.
"""

import keras
from keras import layers, ops


def _one_hot(y_true, num_classes):
    """Class indices as one-hot rows (one-hot rows pass through)."""
    if len(y_true.shape) == 2 and y_true.shape[-1] == num_classes:
        return ops.cast(y_true, "float32")
    return ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), num_classes)


class _HandWrittenLoss(keras.losses.Loss):
    """A program's own loss, computed on one-hot rows of its `num_classes` classes."""

    def __init__(self, num_classes, name="cross_entropy"):
        super().__init__(name=name)
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        return self.per_image(_one_hot(y_true, self.num_classes), y_pred)

    def per_image(self, y, y_pred):
        raise NotImplementedError


# ============================================ TheDeepChecker clean_base_programs/baseCNN.py and injected faults
def _base_cnn(input_shape, num_classes):
    """baseCNN.py: conv 5x5x32, pool, conv 3x3x64, pool, dense 512, logits; L2 1e-5 on every kernel; he_normal on
    the hidden layers and tf.layers.dense's default (Glorot) on the logits."""
    regularizer = keras.regularizers.L1L2(l1=0.0, l2=1e-5)
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(
                32,
                (5, 5),
                padding="same",
                activation="relu",
                kernel_initializer="he_normal",
                kernel_regularizer=regularizer,
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Conv2D(
                64,
                (3, 3),
                padding="same",
                activation="relu",
                kernel_initializer="he_normal",
                kernel_regularizer=regularizer,
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Flatten(),
            layers.Dense(512, activation="relu", kernel_initializer="he_normal", kernel_regularizer=regularizer),
            layers.Dense(num_classes, kernel_initializer="glorot_uniform", kernel_regularizer=regularizer),
        ]
    )


def _compile_base(model, loss=None):
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),  # GradientDescentOptimizer(0.1)
        loss=loss or keras.losses.CategoricalCrossentropy(from_logits=True),  # tf.losses.softmax_cross_entropy
        metrics=["accuracy"],
    )
    return model


def base_cnn(input_shape, num_classes):
    """The clean program (the fixed version of the injected faults)."""
    return _compile_base(_base_cnn(input_shape, num_classes))


class ClippedCrossEntropy(_HandWrittenLoss):
    """missing_softmax/baseCNN_miss_soft.py's self.cross_entropy(): reduce_mean(-reduce_sum(labels *
    log(clip(p, 1e-32, 1 - 1e-32)), 1)), where p is the logits layer itself (self.probabilities = self.logits)."""

    def per_image(self, y, y_pred):
        return -ops.sum(y * ops.log(ops.clip(y_pred, 1e-32, 1 - 1e-32)), axis=1)


def base_cnn_missing_softmax(input_shape, num_classes):
    return _compile_base(_base_cnn(input_shape, num_classes), loss=ClippedCrossEntropy(num_classes))


class NegatedCrossEntropy(_HandWrittenLoss):
    """flipped_sign/baseCNN_flip_sign.py: the gradients of the loss are negated before apply_gradients, which is
    gradient descent on the negated loss: -softmax_cross_entropy(labels, logits)."""

    def per_image(self, y, y_pred):
        return -keras.losses.categorical_crossentropy(y, y_pred, from_logits=True)


def base_cnn_flipped_gradient_sign(input_shape, num_classes):
    return _compile_base(_base_cnn(input_shape, num_classes), loss=NegatedCrossEntropy(num_classes))


# ============================================ TheDeepChecker clean_base_programs/deepCNN.py and injected faults
def _deep_cnn(input_shape, num_classes, *, kernel="he_normal", last_filters=128, batchnorm=True, rate=0.001):
    """deepCNN.py (VGG-like): 3x3 ReLU convolutions 32-32, 64-64, 128-128, each followed by batch normalisation
    (no bias then), max pooling and dropout 0.2/0.3/0.4 after each pair, dense 128 ReLU + batch normalisation,
    dropout 0.5, logits; MomentumOptimizer(rate, 0.9). The update ops run, so the moving statistics are updated
    (tf.layers.batch_normalization's default momentum 0.99)."""

    def conv(filters):
        return [
            layers.Conv2D(
                filters, (3, 3), padding="same", activation="relu", use_bias=not batchnorm, kernel_initializer=kernel
            ),
            *([layers.BatchNormalization(momentum=0.99)] if batchnorm else []),
        ]

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            *conv(32),
            *conv(32),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Dropout(0.2),
            *conv(64),
            *conv(64),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Dropout(0.3),
            *conv(last_filters),
            *conv(last_filters),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Dropout(0.4),
            layers.Flatten(),
            layers.Dense(128, activation="relu", kernel_initializer=kernel),
            *([layers.BatchNormalization(momentum=0.99)] if batchnorm else []),
            layers.Dropout(0.5),
            layers.Dense(num_classes, kernel_initializer="glorot_uniform"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def deep_cnn(input_shape, num_classes):
    """The clean program (the fixed version of the injected faults)."""
    return _deep_cnn(input_shape, num_classes)


def deep_cnn_high_lr(input_shape, num_classes):
    """high_lr/deepCNN_high_lr.py: MomentumOptimizer(0.1, 0.9) (the clean program's 0.001 raised), he_uniform
    kernels, 64 filters in the last pair of convolutions."""
    return _deep_cnn(input_shape, num_classes, kernel="he_uniform", last_filters=64, rate=0.1)


def deep_cnn_without_batchnorm(input_shape, num_classes):
    """missing_batchnorm/deepCNN_miss_batchnorm.py: every batch normalisation removed (the convolutions get their
    biases back), he_uniform kernels, 64 filters in the last pair of convolutions; MomentumOptimizer(0.001, 0.9)."""
    return _deep_cnn(input_shape, num_classes, kernel="he_uniform", last_filters=64, batchnorm=False)


# ==================== TheDeepChecker GH_buggy_examples/DLT_0edb182 and DLT_ded6612 (Deep-Learning-TensorFlow conv_net)
class BinaryCrossEntropyOnSoftmax(_HandWrittenLoss):
    """model.py's 'cross_entropy': -reduce_mean(y * log(p) + (1 - y) * log(1 - p)) on the softmax output, averaged
    over the batch and the classes; `clip` is ded6612's tf.clip_by_value(., 1e-10, inf) (None: no clipping, as
    0edb182 wrote it)."""

    def __init__(self, num_classes, clip=None):
        super().__init__(num_classes)
        self.clip = clip

    def per_image(self, y, y_pred):
        p, q = y_pred, 1 - y_pred
        if self.clip is not None:
            p, q = ops.maximum(p, self.clip), ops.maximum(q, self.clip)
        return -ops.mean(y * ops.log(p) + (1 - y) * ops.log(q), axis=1)


def _dlt_conv_net(input_shape, num_classes, stddev, bias):
    """conv_net.py with TheDeepChecker's layers 'conv2d-5-5-32-1,maxpool-2,conv2d-5-5-64-1,maxpool-2,full-1024,
    softmax' (dropout 0.5): ReLU convolutions with SAME padding and SAME max pooling, weight_variable() truncated
    normal weights and bias_variable() constant biases."""

    def kwargs():
        return {
            "kernel_initializer": keras.initializers.TruncatedNormal(stddev=stddev),
            "bias_initializer": keras.initializers.Constant(bias),
        }

    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (5, 5), padding="same", activation="relu", **kwargs()),
            layers.MaxPooling2D(pool_size=2, padding="same"),
            layers.Conv2D(64, (5, 5), padding="same", activation="relu", **kwargs()),
            layers.MaxPooling2D(pool_size=2, padding="same"),
            layers.Flatten(),
            layers.Dense(1024, activation="relu", **kwargs()),
            layers.Dropout(0.5),
            layers.Dense(num_classes, **kwargs()),
            layers.Softmax(),  # self.softmax_out = tf.nn.softmax(...)
        ]
    )


def _compile_dlt(model, loss):
    # --opt adam --learning_rate 1e-4 (TheDeepChecker's command line for both examples)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4), loss=loss, metrics=["accuracy"])
    return model


def dlt0edb182_faulty(input_shape, num_classes):
    """Before 0edb182: tf.nn.softmax_cross_entropy_with_logits(self.softmax_out, labels): the softmax output is fed
    as logits (softmax applied twice)."""
    model = _dlt_conv_net(input_shape, num_classes, stddev=0.01, bias=0.01)
    return _compile_dlt(model, keras.losses.CategoricalCrossentropy(from_logits=True))


def dlt0edb182_fixed(input_shape, num_classes):
    """0edb182 ('Fixed cross_entropy computation for conv nets'): the hand-written cross-entropy on softmax_out."""
    model = _dlt_conv_net(input_shape, num_classes, stddev=0.01, bias=0.01)
    return _compile_dlt(model, BinaryCrossEntropyOnSoftmax(num_classes))


def dltded6612_faulty(input_shape, num_classes):
    """Before ded6612: truncated_normal(stddev=0.01) weights and constant 0.01 biases."""
    model = _dlt_conv_net(input_shape, num_classes, stddev=0.01, bias=0.01)
    return _compile_dlt(model, BinaryCrossEntropyOnSoftmax(num_classes, clip=1e-10))


def dltded6612_fixed(input_shape, num_classes):
    """ded6612 ('changed sttdevs from 0.01 to 0.1 and bias init from 0.01 to 0.1')."""
    model = _dlt_conv_net(input_shape, num_classes, stddev=0.1, bias=0.1)
    return _compile_dlt(model, BinaryCrossEntropyOnSoftmax(num_classes, clip=1e-10))


# ================================== TheDeepChecker GH_buggy_examples/TFE_333 (TensorFlow-Examples logistic regression)
class LogSoftmaxCrossEntropy(_HandWrittenLoss):
    """tf.reduce_mean(-tf.reduce_sum(y * tf.log(pred), 1)) on the softmax output (no clipping)."""

    def per_image(self, y, y_pred):
        return -ops.sum(y * ops.log(y_pred), axis=1)


def _logistic_regression(input_shape, num_classes, initializer, rate):
    """`initializer`: a function giving a new initialiser (one for the weights, one for the biases)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(num_classes, kernel_initializer=initializer(), bias_initializer=initializer()),
            layers.Softmax(),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=rate),  # GradientDescentOptimizer
        loss=LogSoftmaxCrossEntropy(num_classes),
        metrics=["accuracy"],
    )
    return model


def tfe333_faulty(input_shape, num_classes):
    # W, b = tf.Variable(np.random.randn(...)): N(0, 1) weights and biases; learning_rate = 0.001
    return _logistic_regression(input_shape, num_classes, lambda: keras.initializers.RandomNormal(stddev=1.0), 0.001)


def tfe333_fixed(input_shape, num_classes):
    # examples/2_BasicModels/logistic_regression.py: tf.zeros weights and biases, learning_rate = 0.01
    return _logistic_regression(input_shape, num_classes, lambda: "zeros", 0.01)


# ======================================== DeepLocalize Benchmark/StackOverflow (with DeepFD's patches where named)
def _so45442843(input_shape, output_activation, loss, rate_name="rmsprop"):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(1),
            layers.Activation("sigmoid"),
            layers.Dense(1, kernel_initializer=keras.initializers.RandomNormal(stddev=0.05)),  # init='normal'
            layers.Activation(output_activation),
        ]
    )
    model.compile(loss=loss, optimizer=rate_name, metrics=["accuracy"])
    return model


def so45442843_faulty(input_shape, num_classes):
    """Dense(1)-sigmoid, Dense(1, init='normal')-softmax (always 1) under mean absolute error, RMSprop."""
    return _so45442843(input_shape, "softmax", "mean_absolute_error")


def so45442843_fixed(input_shape, num_classes):
    """DeepLocalize's Correct Code: sigmoid output and binary cross-entropy (inputs scaled: params)."""
    return _so45442843(input_shape, "sigmoid", "binary_crossentropy")


def _so47724077(input_shape, num_classes, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(21),
            layers.Activation("relu"),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def so47724077_faulty(input_shape, num_classes):
    return _so47724077(input_shape, num_classes, "adam")


def so47724077_fixed(input_shape, num_classes):
    """DeepFD's patch: StandardScaler on the inputs (params) and Adam(learning_rate=0.01)."""
    return _so47724077(input_shape, num_classes, keras.optimizers.Adam(learning_rate=0.01))


def so52800582(input_shape, num_classes):
    """Both versions (DeepFD's patch is StandardScaler on the inputs: params): Dense(50)-sigmoid, Dense(50)-ELU and
    the output layer, Adam; the regression output Dense(1) under MSE -> a softmax classifier head."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(50),
            layers.Activation("sigmoid"),
            layers.Dense(50),
            layers.Activation("elu"),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# ======================================================== keras-team/keras#13815: the mnist_cnn example on tf.keras
def _mnist_cnn(input_shape, num_classes, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=optimizer, metrics=["accuracy"])
    return model


def keras13815_faulty(input_shape, num_classes):
    """optimizer=keras.optimizers.Adadelta(): tf.keras's Adadelta defaults to learning_rate=0.001."""
    return _mnist_cnn(input_shape, num_classes, keras.optimizers.Adadelta())


def keras13815_fixed(input_shape, num_classes):
    """Adadelta at the rate the example was written for (Keras 2's default, 1.0)."""
    return _mnist_cnn(input_shape, num_classes, keras.optimizers.Adadelta(learning_rate=1.0))


# ============================================================= AUTOTRAINER AutoTrainer/demo_case (model.h5, config.pkl)
def _he_uniform():
    """VarianceScaling(2.0, fan_in, uniform), a new instance per layer (a Keras 3 initialiser instance called twice
    without a seed returns the same values)."""
    return keras.initializers.VarianceScaling(scale=2.0, mode="fan_in", distribution="uniform")


def _gradient_vanish_demo(input_shape, activation, kernel, bias):
    """`kernel`: a function giving a new kernel initialiser for each layer."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            *[
                layers.Dense(5, activation=activation, kernel_initializer=kernel(), bias_initializer=bias)
                for _ in range(8)
            ],
            layers.Dense(1, activation="sigmoid", kernel_initializer=_he_uniform()),
        ]
    )
    model.compile(
        loss="binary_crossentropy", optimizer=keras.optimizers.Adam(learning_rate=0.001), metrics=["accuracy"]
    )
    return model


def autotrainer_gradient_vanish_faulty(input_shape, num_classes):
    """Gradient_Vanish_Case/model.h5: eight Dense(5) sigmoid layers (He-uniform kernels, zero biases) and one
    sigmoid unit; config.pkl: binary cross-entropy, Adam(lr=0.001)."""
    return _gradient_vanish_demo(input_shape, "sigmoid", _he_uniform, "zeros")


def autotrainer_gradient_vanish_fixed(input_shape, num_classes):
    """AUTOTRAINER's first vanishing-gradient repair ('selu_1' of the default 'balance' strategy, op_selu): SELU on
    every layer but the last, lecun_uniform kernels and biases."""
    return _gradient_vanish_demo(input_shape, "selu", lambda: "lecun_uniform", "lecun_uniform")


def _oscillating_loss_demo(input_shape, num_classes, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(50, activation="relu", kernel_initializer=_he_uniform()),
            layers.Dense(num_classes, activation="softmax", kernel_initializer="glorot_uniform"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def autotrainer_oscillating_loss_faulty(input_shape, num_classes):
    """Oscillating_Loss_Case/model.h5 with config.pkl's SGD(lr=0.01, momentum=0.9) (batches of one: params)."""
    return _oscillating_loss_demo(input_shape, num_classes, keras.optimizers.SGD(learning_rate=0.01, momentum=0.9))


def autotrainer_oscillating_loss_fixed(input_shape, num_classes):
    """AUTOTRAINER's first unstable-training repair ('adam_1', op_adam): Adam with its default setting."""
    return _oscillating_loss_demo(input_shape, num_classes, keras.optimizers.Adam())


# ============================================================ UMLAUT's user-study programs (BerkeleyHCI/umlaut)
def _umlaut_cnn(input_shape, num_classes, activation, dropout):
    """The CIFAR-10 network of pilot_boilerplate.py and user_eval/eval_b.py: VALID 3x3 convolutions 64-64, pool,
    128-128, pool, dense 128-128, logits; a dropout after each pool and before the logits."""
    return keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(64, 3, activation=activation),
            layers.Conv2D(64, 3, activation=activation),
            layers.MaxPool2D(2),
            layers.Dropout(dropout),
            layers.Conv2D(128, 3, activation=activation),
            layers.Conv2D(128, 3, activation=activation),
            layers.MaxPool2D(2),
            layers.Dropout(dropout),
            layers.Flatten(),
            layers.Dense(128, activation=activation),
            layers.Dense(128, activation=activation),
            layers.Dropout(dropout),
            layers.Dense(num_classes),
        ]
    )


def umlaut_a_faulty(input_shape, num_classes):
    """pilot_boilerplate.py ('ea'): dropout 0.8 three times, logits into sparse_categorical_crossentropy (from_logits
    False), Adam; raw pixels (params)."""
    model = _umlaut_cnn(input_shape, num_classes, "relu", 0.8)
    model.compile(optimizer="adam", loss=keras.losses.sparse_categorical_crossentropy, metrics=["accuracy"])
    return model


def umlaut_a_fixed(input_shape, num_classes):
    """Its three bugs fixed: pixels / 255 (params), dropout 0.2 (eval_b.py's rate), from_logits=True."""
    model = _umlaut_cnn(input_shape, num_classes, "relu", 0.2)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def umlaut_b_faulty(input_shape, num_classes):
    """user_eval/eval_b.py ('eb'): every convolution and dense layer linear, Adam(learning_rate=-1e3) (a negative
    rate: gradient ascent, and a huge step); validation images taken from the training images (data transform)."""
    model = _umlaut_cnn(input_shape, num_classes, "linear", 0.2)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=-1e3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def umlaut_b_fixed(input_shape, num_classes):
    """Its three bugs fixed: ReLU hidden layers, Adam at its default rate 0.001, a held-out validation split."""
    model = _umlaut_cnn(input_shape, num_classes, "relu", 0.2)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _umlaut_mlp(input_shape, num_classes, optimizer, loss):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dense(num_classes),
        ]
    )
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model


def umlaut_pilot2_faulty(input_shape, num_classes):
    """pilot_boilerplate_2.py: SGD(learning_rate=-1e5), logits into sparse_categorical_crossentropy (from_logits
    False)."""
    return _umlaut_mlp(
        input_shape, num_classes, keras.optimizers.SGD(learning_rate=-1e5), keras.losses.sparse_categorical_crossentropy
    )


def umlaut_pilot2_fixed(input_shape, num_classes):
    """Its two bugs fixed: SGD at Keras's default rate 0.01, from_logits=True."""
    return _umlaut_mlp(
        input_shape,
        num_classes,
        keras.optimizers.SGD(learning_rate=0.01),
        keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
