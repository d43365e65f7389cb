"""AUTOTRAINER's demo of an improper output activation (AutoTrainer/demo_case/Improper_Activation_case/
demo_activation.py) and MNIST models of AUTOTRAINER's benchmark (Zhang et al., ICSE 2021; shiningrain/AUTOTRAINER)
as DeepDiagnosis publishes their code (DeepDiagnosis/ICSE2022, "AUTOTRAINER Model Code/Models_MNIST.py"), with
DeepDiagnosis's diagnosis ("DeepDiagnosis Result/MNIST_Result.txt") and AUTOTRAINER's repair for it
(AutoTrainer/utils/repair.py, repair_strategy). Re-expressed as cnn-doctor model builders
`build(input_shape, num_classes) -> keras.Model`. The MNIST models' training configurations (config.pkl) are not
published with the code: plain SGD at 0.01, Keras's default, is assumed. Loaded by cnn-doctor on its own.
"""

import keras
from keras import layers


# ------------------------------------ model_2af630c4: LeNet-5 with sigmoid everywhere and eight more sigmoid layers
def _model_2af630c4(input_shape, num_classes, activation):
    scaled = keras.initializers.VarianceScaling(scale=2.0, mode="fan_in", distribution="truncated_normal")
    regularizer = keras.regularizers.L1L2(l1=0.0, l2=1e-4)

    def dense(units):
        return [
            layers.Dense(units=units, kernel_initializer=scaled, kernel_regularizer=regularizer),
            layers.Activation(activation),
        ]

    stack = [
        keras.Input(input_shape),
        layers.Conv2D(6, (5, 5), kernel_initializer=scaled, kernel_regularizer=regularizer),
        layers.Activation(activation),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
        layers.Conv2D(16, (5, 5), kernel_initializer=scaled, kernel_regularizer=regularizer),
        layers.Activation(activation),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
        layers.Flatten(),
        *dense(120),
    ]
    for _ in range(8):
        stack += dense(84)
    stack += [
        layers.Dense(units=num_classes, kernel_initializer=scaled, kernel_regularizer=regularizer),
        layers.Activation("softmax"),
    ]
    model = keras.Sequential(stack)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def model_2af630c4_faulty(input_shape, num_classes):
    return _model_2af630c4(input_shape, num_classes, "sigmoid")


def model_2af630c4_fixed(input_shape, num_classes):  # AUTOTRAINER's first repair for vanishing gradients: ReLU
    return _model_2af630c4(input_shape, num_classes, "relu")


# ------------------------------------ tmp_lenet5: two convolutions and 17 dense ReLU layers, RandomUniform(-0.05, 0.05)
def _tmp_lenet5(input_shape, num_classes, kernel):
    stack = [
        keras.Input(input_shape),
        layers.Conv2D(32, (5, 5), kernel_initializer=kernel()),
        layers.Activation("relu"),
        layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
        layers.Conv2D(64, (5, 5), kernel_initializer=kernel()),
        layers.Activation("relu"),
        layers.Flatten(),
    ]
    for _ in range(16):
        stack += [layers.Dense(64, kernel_initializer=kernel()), layers.Activation("relu")]
    stack += [
        layers.Dense(32, kernel_initializer=kernel()),
        layers.Activation("relu"),
        layers.Dense(num_classes, kernel_initializer=kernel()),
        layers.Activation("softmax"),
    ]
    model = keras.Sequential(stack)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def tmp_lenet5_faulty(input_shape, num_classes):
    return _tmp_lenet5(input_shape, num_classes, keras.initializers.RandomUniform)


def tmp_lenet5_fixed(input_shape, num_classes):  # AUTOTRAINER's initialiser repair: He initialisation
    return _tmp_lenet5(input_shape, num_classes, keras.initializers.HeUniform)


# ------------------------- demo_case/Improper_Activation_case: ReLU output under categorical cross-entropy (blobs)
def _improper_activation(input_shape, num_classes, output_activation):
    model = keras.Sequential(
        [
            keras.Input(input_shape),
            layers.Flatten(),
            layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(50, activation="relu", kernel_initializer="he_uniform"),
            layers.Dense(num_classes, activation=output_activation),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.0001), loss="categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def improper_activation_faulty(input_shape, num_classes):
    return _improper_activation(input_shape, num_classes, "relu")


def improper_activation_fixed(input_shape, num_classes):  # AUTOTRAINER's activation repair: softmax output
    return _improper_activation(input_shape, num_classes, "softmax")
