"""The built-in architectures, the user's own builder, and the normalisation layer in front of both."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from cnn_doctor.config import ModelParams, UserError, one_line

# Reading a built network: its layers (nested models expanded) and their activations.
RELU_LIKE = ("relu", "relu6", "leaky_relu", "elu", "gelu", "selu", "silu", "swish")


def all_layers(model) -> list:
    """Every layer, nested models expanded, in build order."""
    found = []
    for layer in model.layers:
        found += all_layers(layer) if hasattr(layer, "layers") and layer.layers else [layer]
    return found


def activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return {"ReLU": "relu", "Softmax": "softmax"}.get(type(layer).__name__, "")
    return getattr(activation, "__name__", str(activation)).lower()


def output_activation(model) -> str:
    """The activation of the last layer that has one (linear when none)."""
    for layer in reversed(all_layers(model)):
        name = activation_name(layer)
        if name:
            return name
        if hasattr(layer, "kernel"):
            return "linear"
    return "linear"


def normalization_layer(mode: str, mean: list[float], variance: list[float]):
    """Scaling inside the model, so the saved model takes raw 0-255 images."""
    import keras

    if mode == "unit":
        return keras.layers.Rescaling(1.0 / 255.0, name="normalize")
    if mode == "standard":
        return keras.layers.Normalization(mean=mean, variance=variance, name="normalize")
    return None


def simple_cnn(inputs, x, num_classes: int, params: ModelParams):
    """The network most people write first: two conv/pool blocks and a dense head."""
    import keras
    from keras import layers

    init = params.kernel_initializer
    x = layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init)(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu", kernel_initializer=init)(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu", kernel_initializer=init)(x)
    return keras.Model(inputs, _classifier(x, num_classes), name="simple_cnn")


def regularized_cnn(inputs, x, num_classes: int, params: ModelParams):
    """Conv/batch-norm blocks with dropout, L2 weight decay and He initialisation."""
    import keras
    from keras import layers

    for filters in (32, 64, 128):
        for _ in range(2):
            x = layers.Conv2D(
                filters,
                3,
                padding="same",
                use_bias=False,
                kernel_initializer=params.kernel_initializer,
                kernel_regularizer=keras.regularizers.l2(params.l2),
            )(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
        x = layers.MaxPooling2D()(x)
        x = layers.Dropout(params.dropout / 2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(params.dropout)(x)
    return keras.Model(inputs, _classifier(x, num_classes), name="regularized_cnn")


def resnet_small(inputs, x, num_classes: int, params: ModelParams):
    """A small residual network: three stages of two basic blocks each."""
    import keras
    from keras import layers

    def convolution(filters, strides=1):
        return layers.Conv2D(
            filters,
            3,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer=params.kernel_initializer,
            kernel_regularizer=keras.regularizers.l2(params.l2),
        )

    def batch_normalization():
        # Keras' default momentum (0.99) keeps the moving statistics near their initial values for hundreds of
        # steps; through 13 of them a short run on a small dataset predicted one class at inference (digits,
        # 16 px: validation accuracy 0.33 with the moving statistics, 0.95 with the batch's own)
        return layers.BatchNormalization(momentum=0.9)

    x = layers.Activation("relu")(batch_normalization()(convolution(16)(x)))
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(2):
            strides = 2 if stage > 0 and block == 0 else 1
            shortcut = x
            x_branch = layers.Activation("relu")(batch_normalization()(convolution(filters, strides)(x)))
            x_branch = batch_normalization()(convolution(filters)(x_branch))
            if strides != 1 or shortcut.shape[-1] != filters:
                shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(shortcut)
            x = layers.Activation("relu")(layers.Add()([shortcut, x_branch]))
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(params.dropout)(x)
    return keras.Model(inputs, _classifier(x, num_classes), name="resnet_small")


TRANSFER_MIN_SIDE = 32  # the smallest input most keras.applications backbones accept


def transfer(inputs, x, num_classes: int, params: ModelParams):
    """A keras.applications backbone (weights from params; nothing is downloaded) with a new head."""
    import keras
    from keras import layers

    backbone_class = getattr(keras.applications, params.backbone, None)
    if backbone_class is None:
        raise UserError(f"model.backbone: keras.applications has no {params.backbone!r}")
    if inputs.shape[-1] == 1:
        x = layers.Concatenate(name="gray_to_rgb")([x, x, x])
    size = tuple(max(side, TRANSFER_MIN_SIDE) for side in inputs.shape[1:3])
    if size != tuple(inputs.shape[1:3]):
        x = layers.Resizing(*size, name="upsample_for_backbone")(x)
    try:
        backbone = backbone_class(include_top=False, weights=params.backbone_weights, input_shape=(*size, 3))
    except (ValueError, OSError) as error:
        raise UserError(f"model.backbone {params.backbone}: {str(error).splitlines()[0]}") from None
    x = layers.GlobalAveragePooling2D()(backbone(x))
    x = layers.Dropout(params.dropout)(x)
    return keras.Model(inputs, _classifier(x, num_classes), name=f"transfer_{params.backbone}")


def _classifier(x, num_classes: int):
    from keras import layers

    # float32 output keeps the softmax stable under mixed precision
    return layers.Dense(num_classes, activation="softmax", dtype="float32", name="classifier")(x)


ARCHITECTURES: dict[str, Callable] = {
    "simple_cnn": simple_cnn,
    "regularized_cnn": regularized_cnn,
    "resnet_small": resnet_small,
    "transfer": transfer,
}


def load_builder(spec: str) -> Callable:
    """Import `function` from `path/to/file.py:function` (the user's own code: it is executed)."""
    file_name, function_name = spec.rsplit(":", 1)
    path = Path(file_name)
    if not path.is_file():
        raise UserError(f"model.builder: file {file_name} does not exist (paths are relative to the current folder)")
    if path.suffix != ".py":
        raise UserError(f"model.builder: {file_name} must be a Python file ending in .py")
    module_spec = importlib.util.spec_from_file_location(f"cnn_doctor_user_model_{path.stem}", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:  # the user's code: a syntax error or a sys.exit() is theirs to fix
        raise UserError(f"model.builder: importing {file_name} failed: {one_line(error)}") from error
    builder = getattr(module, function_name, None)
    if not callable(builder):
        raise UserError(f"model.builder: {file_name} has no function {function_name!r}")
    return builder


def build_user_model(spec: str, input_shape: tuple[int, ...], num_classes: int):
    """Call the user's builder and check it returned a Keras model."""
    import keras

    builder = load_builder(spec)
    try:
        model = builder(tuple(input_shape), num_classes)
    except (Exception, SystemExit) as error:
        raise UserError(f"model.builder {spec} raised {one_line(error)}") from error
    if not isinstance(model, keras.Model):
        raise UserError(f"model.builder {spec} returned {type(model).__name__}, not a keras.Model")
    return model


def build_model(params: ModelParams, image_shape: tuple[int, ...], num_classes: int, normalization):
    """The network to train: normalisation, then the built-in architecture or the user's model.

    Returns the model and whether the user compiled it (then their optimizer and loss are kept).
    """
    import keras

    inputs = keras.Input(shape=tuple(image_shape), name="image")
    scaled = normalization(inputs) if normalization is not None else inputs
    if params.builder:
        user_model = build_user_model(params.builder, tuple(image_shape), num_classes)
        try:
            outputs = user_model(scaled)
        except Exception as error:
            raise UserError(
                f"model.builder {params.builder}: the model cannot take images of shape "
                f"{tuple(image_shape)} (preprocess.image_size, preprocess.channels): "
                f"{one_line(error)}"
            ) from error
        return keras.Model(inputs, outputs, name=f"user_{user_model.name}"), user_model
    return ARCHITECTURES[params.architecture](inputs, scaled, num_classes, params), None


class ModelCopies:
    """Fresh copies of the run's network for the doctor's quick experiments and fix trials.

    Each copy is built by calling the builder again (the user's, or the built-in architecture), never by
    serialising the trained model: a user's custom layers, losses and Lambda layers are rarely registered
    with Keras, and `keras.models.clone_model` fails on them.
    """

    def __init__(self, params: ModelParams, image_shape: tuple[int, ...], num_classes: int, normalization, strategy):
        self.params, self.image_shape, self.num_classes = params, tuple(image_shape), num_classes
        self.normalization, self.strategy = normalization, strategy

    def build(self, params: ModelParams | None = None, normalization=...):
        """A newly built network (other model params or normalisation when given) and the user's inner model."""
        chosen = self.normalization if normalization is ... else normalization
        with self.strategy.scope():
            return build_model(params or self.params, self.image_shape, self.num_classes, chosen)

    def fresh(self, weights) -> object:
        """A new copy of the network holding `weights` (the run's initial or trained weights)."""
        model, _ = self.build()
        model.set_weights(weights)
        return model
