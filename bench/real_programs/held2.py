"""The second held-aside set ("held2", added 2026-12-05): programs of DeepLocalize (Wardat-ISU/DeepLocalize,
Benchmark/StackOverflow and Benchmark/GitHub), DeepFD (ArabelaTso/DeepFD), Defects4ML (mohmehmo/defects4ml),
TheDeepChecker (thedeepchecker/thedeepchecker: its Stack Overflow programs SO_buggy_examples/IPS_*.py, its
TensorFlow-Examples and Deep-Learning-TensorFlow bugs GH_buggy_examples/*, its faults injected into the clean
programs clean_base_programs/{baseCNN,deepCNN}.py) and GitHub issue threads, none of them in the "dev" or "held"
sets. Nothing may be tuned on them.

Each program is re-expressed as cnn-doctor model builders `build(input_shape, num_classes) -> keras.Model`, one for
the faulty program and one with the fix its source states, compiled by the builder (cnn-doctor keeps a compiled
model's optimizer and loss). The network, initialisers, loss and optimizer are the program's; the data, epochs and
batch size come from params (the catalogue in __init__.py). TensorFlow 1 graphs become Keras layers with the same
initialisers; hand-written layers and losses become Layer / Loss subclasses or plain functions (none registered for
serialisation). Where a program fed one-hot labels to a loss whose name does not say "categorical" or "binary",
the loss one-hot encodes class indices itself (cnn-doctor gives such losses class indices); where a program ends in
one unit for two classes and the fix keeps one unit, the fix has one unit per class (cnn-doctor needs one output per
class).

This file is loaded by cnn-doctor on its own (model.builder=bench/real_programs/held2.py:<function>): it imports
nothing of the benchmarks nor of the other catalogue modules.
"""

import keras
from keras import layers, ops


def _one_hot(y_true, num_classes):
    """Class indices as one-hot rows (one-hot rows pass through)."""
    if len(y_true.shape) == 2 and y_true.shape[-1] == num_classes:
        return ops.cast(y_true, "float32")
    return ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), num_classes)


def _targets(y_true, y_pred):
    """The program's targets for an output of y_pred's width: one unit takes the class index (0 or 1) itself, as the
    programs' 0/1 label columns; wider outputs take one-hot rows."""
    units = y_pred.shape[-1]
    if units == 1:
        return ops.reshape(ops.cast(y_true, "float32"), (-1, 1))
    return _one_hot(y_true, units)


class MeanSquaredError(keras.losses.Loss):
    """loss='mean_squared_error' as the programs trained it, on 0/1 label columns or one-hot rows."""

    def __init__(self):
        super().__init__(name="mse")

    def call(self, y_true, y_pred):
        return ops.mean(ops.square(_targets(y_true, y_pred) - y_pred), axis=-1)


class MeanAbsoluteError(keras.losses.Loss):
    """loss='mean_absolute_error' as the program trained it, on 0/1 label columns or one-hot rows."""

    def __init__(self):
        super().__init__(name="mae")

    def call(self, y_true, y_pred):
        return ops.mean(ops.abs(_targets(y_true, y_pred) - y_pred), axis=-1)


# ======================================================================================= activation and loss
# ------------------------------- SO 38648195 (DeepLocalize; DeepFD no. 6): softmax output under MSE and plain SGD
def _so38648195(input_shape, num_classes, output_activation, loss):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(20),
            layers.Activation("relu"),
            layers.Dropout(0.5),
            layers.Dense(20),
            layers.Activation("relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
            layers.Activation(output_activation),
        ]
    )
    # optimizer='sgd': Keras's SGD, rate 0.01, no momentum
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.01), metrics=["accuracy"])
    return model


def so38648195_faulty(input_shape, num_classes):
    return _so38648195(input_shape, num_classes, "softmax", MeanSquaredError())


def so38648195_fixed(input_shape, num_classes):
    return _so38648195(input_shape, num_classes, "sigmoid", "binary_crossentropy")


# --------------------- SO 34311586 (DeepLocalize; DeepFD no. 9; Defects4ML 084): softmax over one unit, SGD 0.001
def _so34311586(input_shape, units, output_activation, rate):
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)  # Keras 1's init='uniform'
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(2, kernel_initializer=uniform),
            layers.Activation("sigmoid"),
            layers.Dense(3, kernel_initializer=uniform),
            layers.Activation("sigmoid"),
            layers.Dense(units, kernel_initializer=uniform),
            layers.Activation(output_activation),
        ]
    )
    # SGD(lr, decay=1e-6, momentum=0.9, nesterov=True); the decay is left out
    model.compile(
        loss=MeanSquaredError(), optimizer=keras.optimizers.SGD(learning_rate=rate, momentum=0.9, nesterov=True)
    )
    return model


def so34311586_faulty(input_shape, num_classes):
    return _so34311586(input_shape, 1, "softmax", 0.001)


def so34311586_fixed(input_shape, num_classes):
    return _so34311586(input_shape, num_classes, "sigmoid", 0.1)


# ---------------------- SO 31556268 (DeepLocalize; DeepFD no. 3): XOR network under mean absolute error, slow SGD
def so31556268_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(4, kernel_initializer="glorot_uniform"),
            layers.Activation("sigmoid"),
            layers.Dense(num_classes, kernel_initializer="glorot_uniform"),
            layers.Activation("sigmoid"),
        ]
    )
    # SGD(lr=0.05, decay=1e-6, momentum=0.11, nesterov=True); the decay is left out
    sgd = keras.optimizers.SGD(learning_rate=0.05, momentum=0.11, nesterov=True)
    model.compile(loss=MeanAbsoluteError(), optimizer=sgd, metrics=["accuracy"])
    return model


def so31556268_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(4, kernel_initializer="glorot_uniform"),
            layers.Activation("sigmoid"),
            layers.Dense(num_classes, kernel_initializer="glorot_uniform"),
            layers.Activation("sigmoid"),
        ]
    )
    model.compile(loss=MeanSquaredError(), optimizer="adam", metrics=["accuracy"])
    return model


# --------- TheDeepChecker IPS_7: hand-written binary cross-entropy on the linear outputs (no sigmoid before the log)
class HandWrittenCrossEntropy(keras.losses.Loss):
    """reduce_mean(reduce_sum(-y*log(y_) - (1-y)*log(1-y_), 1)) where y_ is the linear output layer: the log of
    negative or above-one 'probabilities' is NaN."""

    def __init__(self, num_classes):
        super().__init__(name="cross_entropy")
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        y = _one_hot(y_true, self.num_classes)
        return ops.sum(-y * ops.log(y_pred) - (1 - y) * ops.log(1 - y_pred), axis=1)


class SigmoidCrossEntropyWithLogits(keras.losses.Loss):
    """tf.nn.sigmoid_cross_entropy_with_logits summed over the classes (the program's commented-out loss)."""

    def __init__(self, num_classes):
        super().__init__(name="cross_entropy")
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        y = _one_hot(y_true, self.num_classes)
        return ops.sum(ops.relu(y_pred) - y_pred * y + ops.log1p(ops.exp(-ops.abs(y_pred))), axis=1)


def _ips7(input_shape, num_classes, loss):
    normal = keras.initializers.RandomNormal(stddev=1.0)  # tf.random_normal, no biases
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(512, activation="sigmoid", use_bias=False, kernel_initializer=normal),
            layers.Dense(num_classes, use_bias=False, kernel_initializer=normal),
        ]
    )
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.05), metrics=["accuracy"])
    return model


def ips7_faulty(input_shape, num_classes):
    return _ips7(input_shape, num_classes, HandWrittenCrossEntropy(num_classes))


def ips7_fixed(input_shape, num_classes):
    return _ips7(input_shape, num_classes, SigmoidCrossEntropyWithLogits(num_classes))


# ------------- Defects4ML 004 / TheDeepChecker DLT_20d1b59 (Deep-Learning-TensorFlow 20d1b59): the DBN's fine-tuning
# loss on the linear 'softmax layer' (no softmax), root-mean-squared against one-hot labels
def _dbn_cost(num_classes):
    def rmse(y_true, y_pred):  # tf.sqrt(tf.reduce_mean(tf.square(ref_input - model_output)))
        return ops.sqrt(ops.mean(ops.square(_one_hot(y_true, num_classes) - y_pred)))

    return rmse


def _dlt20d1b59(input_shape, num_classes, head):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(256, activation="relu"),  # the RBM layer (rbm_layers='256,', finetune_act_func='relu')
            layers.Dense(
                num_classes,
                kernel_initializer=keras.initializers.TruncatedNormal(stddev=0.1),
                bias_initializer=keras.initializers.Constant(0.1),
            ),
            *head,
        ]
    )
    # finetune_opt='gradient_descent', finetune_learning_rate=0.01
    model.compile(loss=_dbn_cost(num_classes), optimizer=keras.optimizers.SGD(learning_rate=0.01))
    return model


def dlt20d1b59_faulty(input_shape, num_classes):
    return _dlt20d1b59(input_shape, num_classes, [])


def dlt20d1b59_fixed(input_shape, num_classes):
    return _dlt20d1b59(input_shape, num_classes, [layers.Softmax()])  # model_output = tf.nn.softmax(model_output)


# ------------- TheDeepChecker wrong_softmax_impl/baseCNN_wrong_soft.py: a hand-written softmax over the batch axis
def _softmax_over_batch(logits):
    """self.softmax(): reduce_max and reduce_sum over axis 0 (the images of the batch) instead of axis 1."""
    shifted = logits - ops.max(logits, axis=0, keepdims=True)
    return ops.exp(shifted) / ops.sum(ops.exp(shifted), axis=0, keepdims=True)


class ClippedCrossEntropy(keras.losses.Loss):
    """self.cross_entropy(): -reduce_sum(labels * log(clip(p, 1e-32, 1 - 1e-32)), axis=1), then reduce_mean."""

    def __init__(self, num_classes):
        super().__init__(name="cross_entropy")
        self.num_classes = num_classes

    def call(self, y_true, y_pred):
        probabilities = ops.clip(y_pred, 1e-32, 1 - 1e-32)
        return -ops.sum(_one_hot(y_true, self.num_classes) * ops.log(probabilities), axis=1)


# ============================================================================== learning rate and optimizer
# ----------- TheDeepChecker TFE_368 (TensorFlow-Examples neural_network_raw.py): linear hidden layers, Adam at 0.1
def _neural_network_raw(input_shape, num_classes, activation, rate):
    normal = keras.initializers.RandomNormal(stddev=1.0)  # tf.random_normal weights and biases
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(256, activation=activation, kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(256, activation=activation, kernel_initializer=normal, bias_initializer=normal),
            layers.Dense(num_classes, kernel_initializer=normal, bias_initializer=normal),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def tfe368_faulty(input_shape, num_classes):
    return _neural_network_raw(input_shape, num_classes, None, 0.1)


def tfe368_fixed(input_shape, num_classes):
    # PR #299: ReLU on the hidden layers and a rate 'somewhere between 1e-2 and 1e-4'
    return _neural_network_raw(input_shape, num_classes, "relu", 0.001)


# ---------------- keras-team/keras#4669 (and #4066): examples/cifar10_cnn.py with SGD + momentum at batches of 128
def _cifar10_cnn(input_shape, num_classes, optimizer):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.Conv2D(32, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Conv2D(64, (3, 3), padding="same"),
            layers.Activation("relu"),
            layers.Conv2D(64, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(512),
            layers.Activation("relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer=optimizer, metrics=["accuracy"])
    return model


def keras4669_faulty(input_shape, num_classes):
    # SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True); the decay is left out
    sgd = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)
    return _cifar10_cnn(input_shape, num_classes, sgd)


def keras4669_fixed(input_shape, num_classes):
    # the example after the thread: RMSprop(lr=0.0001, decay=1e-6); the decay is left out
    return _cifar10_cnn(input_shape, num_classes, keras.optimizers.RMSprop(learning_rate=0.0001))


# ===================================================================================== loss reduction
# ------------ TheDeepChecker IPS_14: softmax regression, N(0, 1) weights, cross-entropy summed over the whole batch
def _ips14(input_shape, num_classes, cost):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(
                num_classes,
                activation="softmax",
                kernel_initializer=keras.initializers.TruncatedNormal(stddev=1.0),
                bias_initializer="zeros",
            ),
        ]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss=cost, metrics=["accuracy"])
    return model


def ips14_faulty(input_shape, num_classes):
    def cost(y_true, y_pred):  # -tf.reduce_sum(y_ * tf.log(y)): over the classes and the batch
        return -ops.sum(_one_hot(y_true, num_classes) * ops.log(y_pred))

    return _ips14(input_shape, num_classes, cost)


def ips14_fixed(input_shape, num_classes):
    def cost(y_true, y_pred):  # the program's comment: tf.reduce_mean(-tf.reduce_sum(y_ * tf.log(y), axis=1))
        return ops.mean(-ops.sum(_one_hot(y_true, num_classes) * ops.log(y_pred), axis=1))

    return _ips14(input_shape, num_classes, cost)


# ====================================================================================== input scaling
# ----------------------------- SO 39525358 (DeepLocalize; DeepFD no. 11): unscaled features, batches of one
def so39525358(input_shape, num_classes):
    """Both versions (the fix is StandardScaler on the inputs and batches of 10: params)."""
    uniform = keras.initializers.RandomUniform(-0.05, 0.05)  # Keras 1's init='uniform'
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(12, kernel_initializer=uniform),
            layers.Activation("relu"),
            layers.Dense(3, kernel_initializer=uniform),
            layers.Activation("relu"),
            layers.Dense(num_classes, kernel_initializer=uniform),  # Dense(1): one sigmoid unit per class
            layers.Activation("sigmoid"),
        ]
    )
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


# ============================================================================= gradients and activations
# ------------------ SO 39217567 (DeepLocalize; DeepFD no. 12): three sigmoid layers, MSE, plain SGD, batches of 50
def _so39217567(input_shape, num_classes, hidden, loss):
    normal = keras.initializers.RandomNormal(stddev=0.05)  # Keras 1's init='normal'
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(num_classes, kernel_initializer=normal, activation=hidden),
            layers.Dense(num_classes, kernel_initializer=normal, activation=hidden),
            layers.Dense(num_classes, kernel_initializer=normal, activation="sigmoid"),
        ]
    )
    # optimizer='SGD': rate 0.01, no momentum
    model.compile(loss=loss, optimizer=keras.optimizers.SGD(learning_rate=0.01), metrics=["accuracy"])
    return model


def so39217567_faulty(input_shape, num_classes):
    return _so39217567(input_shape, num_classes, "sigmoid", MeanSquaredError())


def so39217567_fixed(input_shape, num_classes):
    return _so39217567(input_shape, num_classes, "relu", "binary_crossentropy")


# ================================================================================== epochs and batch size
# --------- keras_catsdogs (ronnyworm/keras_catsdogs 2380e40; DeepLocalize GitHub; DeepFD no. 54; Defects4ML 025/030)
def keras_catsdogs_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(32, kernel_size=(7, 7)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(20, (5, 5)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(20, (5, 5)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(20, (3, 3)),
            layers.Activation("relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    # keras.optimizers.Adadelta(): Keras 2's default rate was 1.0
    model.compile(
        loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(learning_rate=1.0), metrics=["accuracy"]
    )
    return model


def keras_catsdogs_fixed(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(
        loss="categorical_crossentropy", optimizer=keras.optimizers.Adadelta(learning_rate=1.0), metrics=["accuracy"]
    )
    return model


# ============================================================= regularisation and batch normalisation
# ----------------- keras-team/keras#7223: three convolutions with L2 0.1 each ('Is not it a high-l2 problem?')
def _keras7223(input_shape, num_classes, decay):
    def conv(kernel):
        return layers.Conv2D(
            32, kernel, padding="same", activation="relu", kernel_regularizer=keras.regularizers.L2(decay)
        )

    model = keras.Sequential(
        [
            keras.Input(input_shape),
            conv(3),
            conv(7),
            conv(7),
            layers.MaxPooling2D(pool_size=3),
            layers.Dropout(0.5),
            layers.Flatten(),
            layers.Dense(num_classes, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def keras7223_faulty(input_shape, num_classes):
    return _keras7223(input_shape, num_classes, 0.1)


def keras7223_fixed(input_shape, num_classes):
    return _keras7223(input_shape, num_classes, 0.001)  # tflearn's L2 decay, which trained the same model


# ---------------- hotdog-sandwich (sammyhaq/hotdog-sandwich d45a91e; DeepLocalize GitHub): dropout after every conv
def hotdog_faulty(input_shape, num_classes):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(8, (5, 5), padding="valid"),
            layers.Dropout(0.5),
            layers.Activation("relu"),
            layers.Conv2D(16, (3, 3)),
            layers.Dropout(0.5),
            layers.Activation("relu"),
            layers.Conv2D(32, (3, 3)),
            layers.Dropout(0.5),
            layers.Activation("relu"),
            layers.Flatten(),
            layers.Dense(240),
            layers.Activation("relu"),
            layers.Dense(120),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def hotdog_fixed(input_shape, num_classes):
    """The commit's network (after comma.ai's steering model): strided ELU convolutions, one Dropout(0.2)."""
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Conv2D(16, (8, 8), strides=(4, 4), padding="valid"),
            layers.ELU(),
            layers.Conv2D(32, (5, 5), strides=(2, 2), padding="same"),
            layers.ELU(),
            layers.Conv2D(64, (5, 5), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.ELU(),
            layers.Dense(512),
            layers.ELU(),
            layers.Dense(num_classes),
            layers.Activation("softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


# ------ TheDeepChecker missing_batchnorm/deepCNN_miss_infer_batchnorm.py: the batch-norm update ops never run
def _deep_cnn(input_shape, num_classes, bn_momentum):
    """clean_base_programs/deepCNN.py (VGG-like): ReLU convolutions without bias, each followed by batch
    normalisation; MomentumOptimizer(0.001, 0.9). bn_momentum=1.0: the moving mean and variance never move from
    their initial 0 and 1 (the UPDATE_OPS dependency is commented out)."""

    def conv(filters):
        return [
            layers.Conv2D(
                filters, (3, 3), padding="same", activation="relu", use_bias=False, kernel_initializer="he_normal"
            ),
            layers.BatchNormalization(momentum=bn_momentum),
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
            *conv(128),
            *conv(128),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Dropout(0.4),
            layers.Flatten(),
            layers.Dense(128, activation="relu", kernel_initializer="he_normal"),
            layers.BatchNormalization(momentum=bn_momentum),
            layers.Dropout(0.5),
            layers.Dense(num_classes),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.001, momentum=0.9),
        loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def deep_cnn_bn_never_updated(input_shape, num_classes):
    return _deep_cnn(input_shape, num_classes, 1.0)


def deep_cnn(input_shape, num_classes):
    return _deep_cnn(input_shape, num_classes, 0.99)  # tf.layers.batch_normalization's default momentum


# =========================================== TheDeepChecker clean_base_programs/baseCNN.py and injected faults
class NoiseAndErasing(keras.layers.Layer):
    """wrong_augmentation/baseCNN_wrong_augm.py's training-batch augmentation: uniform noise in [-0.5, 0.5] added to
    each pixel with probability 0.5, then (with probability 0.5) one random box of 40-80% of the image, aspect ratio
    0.5-2, set to 1.0 in every image of the batch. Only while training, as the program's augmented data loader."""

    def __init__(self, delta=0.5, proba=0.5, erase_probability=0.5, sl=0.4, sh=0.8, r1=0.5, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.delta, self.proba, self.erase_probability = delta, proba, erase_probability
        self.sl, self.sh, self.r1 = sl, sh, r1
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        shape = ops.shape(inputs)
        noise = keras.random.uniform(shape, -self.delta, self.delta, seed=self.generator)
        mask = ops.cast(keras.random.uniform(shape, seed=self.generator) < self.proba, inputs.dtype)
        data = inputs + mask * noise
        height, width = inputs.shape[1], inputs.shape[2]
        draws = keras.random.uniform((6,), seed=self.generator)
        area = (self.sl + (self.sh - self.sl) * draws[0]) * height * width
        aspect = self.r1 + (1 / self.r1 - self.r1) * draws[1]
        h = ops.round(ops.sqrt(area * aspect))
        w = ops.round(ops.sqrt(area / aspect))
        fits = ops.logical_and(h < height, w < width)
        x1 = ops.floor(draws[2] * (height - h + 1))
        y1 = ops.floor(draws[3] * (width - w + 1))
        rows = ops.reshape(ops.arange(height, dtype="float32"), (1, height, 1, 1))
        cols = ops.reshape(ops.arange(width, dtype="float32"), (1, 1, width, 1))
        box = ops.logical_and(ops.logical_and(rows >= x1, rows < x1 + h), ops.logical_and(cols >= y1, cols < y1 + w))
        erase = ops.logical_and(ops.logical_and(box, fits), draws[4] < self.erase_probability)
        return ops.where(erase, ops.ones_like(data), data)


def _base_cnn(input_shape, num_classes, kernel=None, dense_units=512, first=()):
    """baseCNN.py: conv 5x5x32, pool, conv 3x3x64, pool, dense, logits; L2 1e-5 on every kernel; he_normal on the
    hidden layers and tf.layers.dense's default (Glorot) on the logits unless a fault sets the initialiser."""
    regularizer = keras.regularizers.L1L2(l1=0.0, l2=1e-5)
    hidden, logits = (kernel, kernel) if kernel else ("he_normal", "glorot_uniform")
    return keras.Sequential(
        [
            keras.Input(input_shape),
            *first,
            layers.Conv2D(
                32, (5, 5), padding="same", activation="relu", kernel_initializer=hidden, kernel_regularizer=regularizer
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Conv2D(
                64, (3, 3), padding="same", activation="relu", kernel_initializer=hidden, kernel_regularizer=regularizer
            ),
            layers.MaxPooling2D(pool_size=(2, 2), strides=2),
            layers.Flatten(),
            layers.Dense(dense_units, activation="relu", kernel_initializer=hidden, kernel_regularizer=regularizer),
            layers.Dense(num_classes, kernel_initializer=logits, kernel_regularizer=regularizer),
        ]
    )


def _compile_base(model, optimizer=None, loss=None):
    model.compile(
        optimizer=optimizer or keras.optimizers.SGD(learning_rate=0.1),  # GradientDescentOptimizer(0.1)
        loss=loss or keras.losses.CategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def base_cnn(input_shape, num_classes):
    """The clean program (the fixed version of every injected fault, and both versions of the data faults)."""
    return _compile_base(_base_cnn(input_shape, num_classes))


def base_cnn_random_normal(input_shape, num_classes):
    """wrong_init/baseCNN_random.py: random_normal_initializer(stddev=0.1) on every layer (and a 1024-unit dense)."""
    normal = keras.initializers.RandomNormal(stddev=0.1)
    return _compile_base(_base_cnn(input_shape, num_classes, kernel=normal, dense_units=1024))


def base_cnn_wrong_augmentation(input_shape, num_classes):
    return _compile_base(_base_cnn(input_shape, num_classes, first=[NoiseAndErasing()]))


def base_cnn_softmax_over_batch(input_shape, num_classes):
    model = _base_cnn(input_shape, num_classes)
    model.add(layers.Lambda(_softmax_over_batch))
    return _compile_base(model, loss=ClippedCrossEntropy(num_classes))


def base_cnn_adam_tiny_epsilon(input_shape, num_classes):
    """low_adam_epsilon/baseCNN_low_eps.py: AdamOptimizer(learning_rate=0.1, epsilon=1e-16)."""
    return _compile_base(
        _base_cnn(input_shape, num_classes), optimizer=keras.optimizers.Adam(learning_rate=0.1, epsilon=1e-16)
    )
