"""Static checks of the network before its first training step (findings of stage `model`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cnn_doctor.config import DiagnoseParams
from cnn_doctor.findings import Finding
from cnn_doctor.training.models import RELU_LIKE, activation_name, all_layers, output_activation
from cnn_doctor.training.run import mean_loss

SCALING_LAYERS = ("Rescaling", "Normalization")
PROBABILITY_LOSSES = ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy")


def _finding(finding_id: str, severity: str, summary: str, recommendation: str, **evidence) -> Finding:
    return Finding(finding_id, severity, "model", summary, recommendation, evidence)


def describe_loss(loss) -> tuple[str, bool]:
    """(name, from_logits) of a loss given as a string, a function or a Keras loss object."""
    if isinstance(loss, str):
        return loss.lower(), False
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    name = config.get("name") or getattr(loss, "__name__", type(loss).__name__)
    return _snake(str(name)), bool(config.get("from_logits", False))


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower() if name[:1].isupper() else name.lower()


# Words in the names of classification losses, and of losses that measure distances (regression losses);
# a loss named neither (a user's own) is judged by what it does (`loss_rewards_right_answers`).
CLASSIFICATION_LOSS_WORDS = ("crossentropy", "focal", "kl_divergence", "hinge")
REGRESSION_LOSS_WORDS = ("mean_squared", "mean_absolute", "mse", "mae", "huber", "log_cosh", "poisson", "cosine")


def loss_rewards_right_answers(loss_function, num_classes: int, one_hot: bool, from_logits: bool) -> bool | None:
    """Whether the loss is lower for confident right answers than for confident wrong ones (what any
    classification loss must do); None when it cannot be computed on such outputs."""
    labels = np.arange(2 * num_classes) % num_classes
    targets = np.eye(num_classes, dtype=np.float32)[labels] if one_hot else labels.astype(np.int32)

    def confident(classes):
        probabilities = np.full((len(classes), num_classes), 0.05 / max(num_classes - 1, 1), dtype=np.float32)
        probabilities[np.arange(len(classes)), classes] = 0.95
        return np.log(probabilities) if from_logits else probabilities

    try:
        right = float(loss_function(targets, confident(labels)))
        wrong = float(loss_function(targets, confident((labels + 1) % num_classes)))
    except Exception:
        return None
    return right < wrong if math.isfinite(right) and math.isfinite(wrong) else None


def classes_compete_on_scores(loss_function, num_classes: int, one_hot: bool) -> bool | None:
    """Whether, on raw scores (logits), the loss is lower when only the right class scores high than when every
    class does: a softmax cross-entropy is, a probability loss without its softmax is not (a hand-written
    -sum(y * log(clip(scores))) sees the right class's score alone, so the network can raise them all). None when
    it cannot be computed on such scores."""
    labels = np.arange(2 * num_classes) % num_classes
    targets = np.eye(num_classes, dtype=np.float32)[labels] if one_hot else labels.astype(np.int32)
    right_only = np.eye(num_classes, dtype=np.float32)[labels]
    try:
        alone = float(loss_function(targets, right_only))
        all_high = float(loss_function(targets, np.ones_like(right_only)))
    except Exception:
        return None
    if not (math.isfinite(alone) and math.isfinite(all_high)):
        return None
    return alone < all_high - COMPETITION_MARGIN * max(abs(all_high), 1e-6)


COMPETITION_MARGIN = 0.01  # a relative difference below this is float rounding: the loss ignores the other scores


def certainty_share(loss_function, num_classes: int, one_hot: bool) -> float | None:
    """The loss on probabilities 99.9% sure of the right class, as a share of the loss on uniform guesses. A
    cross-entropy, hinge or log loss leaves under 1%; a loss that squashes probabilities again (a softmax in a
    hand-written loss after a softmax output: NeuraLint's redundant_activation) leaves 60-70%, so certainty is
    barely rewarded. Label smoothing leaves a floor too (36% at 0.1), so a loss that says it smooths is not
    measured. None when it cannot be computed."""
    if num_classes < 3:
        return None
    labels = np.arange(2 * num_classes) % num_classes
    targets = np.eye(num_classes, dtype=np.float32)[labels] if one_hot else labels.astype(np.int32)
    sure = np.full((len(labels), num_classes), 0.001 / (num_classes - 1), dtype=np.float32)
    sure[np.arange(len(labels)), labels] = 0.999
    try:
        certain = float(loss_function(targets, sure))
        uniform = float(loss_function(targets, np.full_like(sure, 1 / num_classes)))
    except Exception:
        return None
    return certain / uniform if math.isfinite(certain) and math.isfinite(uniform) and uniform > 0 else None


# A loss that keeps more than this share of its uniform-guess value on 99.9%-sure right answers squashes twice.
MAX_CERTAINTY_SHARE = 0.5


# Of a layer's outputs, a ReLU leaves this share or more exactly zero; a linear layer leaves none.
RELU_ZEROS = 0.05


def measured_activation(outputs: np.ndarray) -> str:
    """The activation the outputs show, whatever layer made them (a user's own layer applies ReLU or softmax in
    its `call`, where no attribute says so): ReLU leaves exact zeros and nothing negative, softmax rows of
    probabilities, sigmoid values strictly between 0 and 1. Raw logits are spread on both sides of 0."""
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.size == 0 or not np.all(np.isfinite(outputs)) or outputs.min() < 0:
        return "linear"
    if outputs.max() == outputs.min():  # every output the same (zero weights give all zeros): nothing to read
        return "linear"
    if np.mean(outputs == 0) >= RELU_ZEROS:
        return "relu"
    if (
        outputs.max() <= 1
        and outputs.ndim == 2
        and outputs.shape[-1] > 1
        and np.allclose(outputs.sum(-1), 1, atol=1e-3)
    ):
        return "softmax"
    return "sigmoid" if outputs.max() < 1 else "linear"


def check_loss_and_output(model, loss, num_classes: int, first: FirstOutputs | None = None) -> list[Finding]:
    """Loss vs output activation vs number of classes (label encoding is matched to the loss by cnn-doctor);
    `first` is what the untrained network did on the probe batch (None: not measured): its outputs show the
    activation when no layer names one, its loss whether the loss is defined on them."""
    first = first or FirstOutputs(initial_loss=math.nan)
    rewards_right, outputs = first.rewards_right, first.outputs
    # a subclassed model has no output_shape: its width is what its forward pass gave (`num_classes` then)
    units = int(model.output_shape[-1]) if hasattr(model, "output_shape") else num_classes
    activation = output_activation(model)
    measured = activation == "linear" and outputs is not None and measured_activation(outputs) != "linear"
    if measured:
        activation = measured_activation(outputs)
    loss_name, from_logits = describe_loss(loss)
    evidence = {
        "output_units": units,
        "output_activation": activation + (" (what the outputs show; no layer names it)" if measured else ""),
        "loss": loss_name,
        "from_logits": from_logits,
        "num_classes": num_classes,
    }
    plain_name = loss_name.replace("_", "")
    problem = None
    single_unit = units == 1 and num_classes == 2  # a Dense(1, "sigmoid") binary model: the unit is P(class 2)
    if units != num_classes and not single_unit:
        problem = ("critical", f"The output layer has {units} unit(s) for {num_classes} classes.")
    elif single_unit and activation == "softmax":
        problem = ("critical", "A softmax over a single output unit is always 1: the network cannot learn.")
    elif single_unit and "categorical" in loss_name:
        problem = ("critical", f"{loss_name!r} over a single output unit cannot compare two classes.")
    elif "binary" in loss_name and num_classes > 2:
        problem = ("critical", f"Binary cross-entropy is used for {num_classes} mutually exclusive classes.")
    elif loss_name in PROBABILITY_LOSSES and not from_logits and activation not in ("softmax", "sigmoid"):
        problem = (
            "critical",
            f"The output is {activation} (logits) but the loss expects probabilities (from_logits=False).",
        )
    elif from_logits and activation in ("softmax", "sigmoid"):
        problem = (
            "warning",
            f"The output already applies {activation} but the loss applies it again (from_logits=True).",
        )
    elif from_logits and activation != "linear":
        problem = (
            "critical",
            f"The output applies {activation} to the logits before a loss that expects raw logits "
            "(from_logits=True): the scores it cuts or bends cannot rank the classes.",
        )
    elif activation in ("softmax", "sigmoid") and (first.certainty_share or 0.0) > MAX_CERTAINTY_SHARE:
        problem = (
            "warning",
            f"The loss {loss_name!r} keeps {first.certainty_share:.0%} of its value at uniform guesses on "
            f"{activation} outputs 99.9% sure of the right class: it squashes the probabilities again (a softmax "
            "or sigmoid applied twice), so certainty is barely rewarded and the gradients are small.",
        )
    elif activation == "sigmoid" and "categorical" in loss_name and num_classes > 2:
        problem = ("warning", "Sigmoid outputs with categorical cross-entropy: classes do not compete.")
    elif undefined_on_outputs(first) and activation not in ("softmax", "sigmoid"):
        problem = (
            "critical",
            f"The loss {loss_name!r} is not finite on the untrained network's {activation} outputs (from "
            f"{np.min(outputs):.3g} to {np.max(outputs):.3g}) although it is on probabilities: it takes the log "
            "of values that are not probabilities.",
        )
    elif activation == "linear" and first.classes_compete is False:
        problem = (
            "critical",
            f"The output is linear (scores, no softmax) and the loss {loss_name!r} only looks at the right class's "
            "score: it is as low when every class scores high, so the classes never compete and the network can "
            "raise every score at once.",
        )
    elif rewards_right is False:
        return [
            loss_maximized(
                f"The loss {loss_name!r} is lower for confident wrong answers than for confident right ones: "
                "minimising it teaches the network the opposite of its labels.",
                "Check the loss's sign: a hand-written loss must grow as the answers get worse (return the "
                "cross-entropy, not its negative), and gradients must not be negated before they are applied.",
                loss=loss_name,
            )
        ]
    elif any(word.replace("_", "") in plain_name for word in REGRESSION_LOSS_WORDS) or (
        rewards_right is None and not any(word in plain_name for word in CLASSIFICATION_LOSS_WORDS)
    ):
        problem = ("warning", f"The loss {loss_name!r} is not a classification loss.")
    if problem is None:
        return []
    return [
        _finding(
            "loss_activation_mismatch",
            problem[0],
            problem[1],
            f"Use {num_classes} output units with softmax and sparse categorical cross-entropy "
            "(or a linear output with from_logits=True).",
            **evidence,
        )
    ]


# Values spread wider than this reach the first weights unscaled (0-255 pixels spread 255; scaled or
# standardised inputs a few units).
UNSCALED_SPREAD = 20.0
# Pixels scaled to 0-1 and then by 1/255 again span 0.004: the first layer's weights would need to grow 255
# times to see them. 0.05 is far below any single scaling (0-1: 1; standardised: about 4).
SQUEEZED_SPREAD = 0.05


def input_to_first_weights(model, inputs):
    """The values that reach the model's first weighted layer, applying its layers in order (nested models
    included); None when the layers do not form a chain up to there."""

    def walk(layers, values):
        for layer in layers:
            if type(layer).__name__ == "InputLayer":
                continue
            if getattr(layer, "layers", None):
                found, values = walk(layer.layers, values)
                if found:
                    return True, values
                continue
            if _has_weights(layer):
                return True, values
            values = layer(values, training=False)
        return False, values

    if not hasattr(model, "output_shape"):  # subclassed: its layers' order is not its call order
        return _recorded_input_to_first_weights(model, inputs)
    try:
        found, values = walk(model.layers, inputs)
    except Exception:  # branches, several inputs: no chain to follow
        return None
    return np.asarray(values) if found else None


def _has_weights(layer) -> bool:
    return getattr(layer, "kernel", None) is not None or getattr(layer, "depthwise_kernel", None) is not None


def _recorded_input_to_first_weights(model, inputs):
    """What the first weighted layer to run receives in one forward pass (a subclassed model scales its
    inputs in its own `call`): each weighted layer's `call` is wrapped to record, then restored."""
    try:
        if not model.built:  # an unbuilt model's layers have no kernels yet
            model(inputs[:1], training=False)
    except Exception:
        return None
    weighted = [layer for layer in all_layers(model) if _has_weights(layer) and layer is not model]
    received: list = []

    def recording(original):
        def call(values, *args, **kwargs):
            if not received:
                received.append(np.asarray(values))
            return original(values, *args, **kwargs)

        return call

    for layer in weighted:
        object.__setattr__(layer, "call", recording(layer.call))
    try:
        model(inputs, training=False)
    except Exception:
        return None
    finally:
        for layer in weighted:
            object.__delattr__(layer, "call")
    return received[0] if received else None


def check_input_scaling(model, probe_inputs: np.ndarray) -> list[Finding]:
    """Raw 0-255 pixels reaching the first weights: measured on the probe batch (a Rescaling(1.0) layer does
    not scale); when the layers cannot be followed, the presence of a rescaling layer decides."""
    reaching = input_to_first_weights(model, probe_inputs)
    if reaching is None:
        if any(type(layer).__name__ in SCALING_LAYERS for layer in all_layers(model)):
            return []
        reaching = probe_inputs
    low, high = float(np.min(reaching)), float(np.max(reaching))
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high - low < SQUEEZED_SPREAD and float(np.ptp(probe_inputs)) > UNSCALED_SPREAD:
        return [
            _finding(
                "inputs_scaled_twice",
                "warning",
                f"Inputs reach the first weighted layer squeezed into {low:.2g} to {high:.2g}, from pixels "
                f"spanning {float(np.ptp(probe_inputs)):g}: they were scaled twice.",
                "Scale once: set preprocess.normalize=none when the model scales its inputs itself "
                "(Rescaling(1/255)), or remove that layer.",
                input_min=low,
                input_max=high,
            )
        ]
    if high - low <= UNSCALED_SPREAD:
        return []
    return [
        _finding(
            "missing_normalization",
            "warning",
            f"Inputs reach the first weighted layer unscaled (values {low:g} to {high:g}).",
            "Set preprocess.normalize=unit (or standard), or scale in the model (Rescaling(1/255)).",
            input_min=low,
            input_max=high,
        )
    ]


def expected_std(fan_in: int, fan_out: int, activation: str) -> float:
    """He for ReLU-like layers, Glorot otherwise."""
    if activation in RELU_LIKE:
        return math.sqrt(2.0 / fan_in)
    return math.sqrt(2.0 / (fan_in + fan_out))


def check_initialization(model, params: DiagnoseParams) -> list[Finding]:
    """Kernels whose scale is far from He/Glorot's, or constant. The output layer (the last with a kernel) may
    start small or at zero: its units differ by their targets, so their gradients break the symmetry (a linear
    or softmax regression starts at zero by custom, and zero-initialised last layers are a known trick); only a
    scale too large is a fault there (saturated outputs)."""
    bad = {}
    weighted = [
        layer
        for layer in all_layers(model)
        if len(getattr(getattr(layer, "kernel", None), "shape", ())) >= 2 and type(layer).__name__ != "DepthwiseConv2D"
    ]
    for layer in weighted:
        weights = np.asarray(layer.kernel)
        fan_in, fan_out = int(np.prod(weights.shape[:-1])), int(weights.shape[-1])
        std, expected = float(weights.std()), expected_std(fan_in, fan_out, activation_name(layer))
        factor = params.initialization_scale_factor
        too_small = std == 0.0 or std < expected / factor
        if std > factor * expected or (too_small and layer is not weighted[-1]):
            bad[layer.name] = {"std": std, "expected": round(expected, 5), "ratio": round(std / expected, 4)}
    if not bad:
        return []
    return [
        _finding(
            "poor_initialization",
            "warning",
            f"{len(bad)} layer(s) start with weights far from He/Glorot scale: {', '.join(bad)}.",
            "Use model.kernel_initializer=he_normal for ReLU layers (glorot_uniform otherwise).",
            layers=bad,
        )
    ]


CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "Conv1D", "DepthwiseConv2D")
GLOBAL_POOLING = ("GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D")


def feature_widths(model) -> list[tuple[str, int]]:
    """The width of each vector on the way to the classifier: a Dense layer's units, and a convolution's
    channels where global pooling turns its map into a vector. A convolution's channels alone are no
    bottleneck: its spatial map still carries the information (LeNet-5 starts with 6 channels for 10 digits)."""
    widths, last_convolution = [], None
    for layer in all_layers(model):
        kind = type(layer).__name__
        if kind in CONVOLUTIONS:
            last_convolution = (layer.name, int(getattr(layer, "filters", 0) or 0))
        elif kind in GLOBAL_POOLING and last_convolution:
            widths.append(last_convolution)
        elif kind == "Dense":
            widths.append((layer.name, int(layer.units)))
    return widths


def check_capacity(model, num_classes: int) -> list[Finding]:
    """A vector narrower than the number of classes on the way to the classifier is a bottleneck."""
    widths = feature_widths(model)
    narrow = {name: width for name, width in widths[:-1] if 0 < width < num_classes}
    if not narrow:
        return []
    return [
        _finding(
            "insufficient_capacity",
            "warning",
            f"Layer(s) {', '.join(narrow)} pass on fewer features than the {num_classes} classes they must separate.",
            "Widen these layers (at least as many units as classes), or use model.architecture=regularized_cnn.",
            bottlenecks=narrow,
            num_classes=num_classes,
        )
    ]


def check_initial_loss(initial_loss: float, num_classes: int, params: DiagnoseParams) -> list[Finding]:
    expected = math.log(num_classes)
    if math.isfinite(initial_loss) and abs(initial_loss - expected) < params.initial_loss_tolerance * expected:
        return []
    return [
        _finding(
            "initial_loss_off",
            "warning",
            f"The loss before training is {initial_loss:.3g}; an untrained classifier should start near "
            f"ln({num_classes}) = {expected:.3g}.",
            "Check input scaling (preprocess.normalize), initialisation (model.kernel_initializer) and "
            "the output layer.",
            initial_loss=initial_loss,
            expected=expected,
        )
    ]


def loss_sums_over_the_batch(loss_function, num_classes: int, one_hot: bool, from_logits: bool) -> bool | None:
    """Whether the loss grows with the batch size (a sum over the batch where Keras expects a mean): the same
    rows twice give about twice the loss. Then every step is batch-size times larger than the rate says."""
    labels = np.arange(num_classes) % num_classes
    targets = np.eye(num_classes, dtype=np.float32)[labels] if one_hot else labels.astype(np.int32)
    outputs = np.full((num_classes, num_classes), 1.0 / num_classes, dtype=np.float32)
    outputs = np.log(outputs) if from_logits else outputs
    try:
        once = float(loss_function(targets, outputs))
        twice = float(loss_function(np.concatenate([targets, targets]), np.concatenate([outputs, outputs])))
    except Exception:
        return None
    return bool(math.isfinite(once) and once > 0 and twice / once > 1.5)


def check_summed_loss(sums: bool | None, batch_size: int) -> list[Finding]:
    if not sums:
        return []
    return [
        _finding(
            "loss_summed_over_batch",
            "warning",
            f"The loss sums over the batch instead of averaging: with batches of {batch_size} every step is "
            f"{batch_size} times larger than the learning rate says.",
            "Average over the batch in your loss (reduce_mean, or return per-example values and let Keras "
            f"reduce them), or divide the learning rate by {batch_size}.",
            batch_size=batch_size,
        )
    ]


def check_hidden_activations(model) -> list[Finding]:
    """Softmax between layers: it squashes a layer's units into one distribution, so they compete instead of
    carrying features (a hidden activation meant for the output)."""
    layers = [layer for layer in all_layers(model) if activation_name(layer)]
    hidden = [layer.name for layer in layers[:-1] if activation_name(layer) == "softmax"]
    if not hidden:
        return []
    return [
        _finding(
            "wrong_hidden_activation",
            "warning",
            f"Hidden layer(s) {', '.join(hidden)} use softmax: their units compete for one unit of probability "
            "instead of carrying features to the next layer.",
            "Use ReLU (or another hidden activation) there; keep softmax for the output layer only.",
            layers=hidden,
        )
    ]


# Layers that compute an affine map of their input at inference (or pass it on): a network made only of these,
# whatever its depth, is one linear map. Any other layer (pooling by max, a custom or Lambda layer, layer
# normalisation) may bend it, so it is given the benefit of the doubt.
AFFINE_LAYERS = {
    "InputLayer", "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv2D", "SeparableConv2D",
    "Conv2DTranspose", "Flatten", "Reshape", "Permute", "Dropout", "SpatialDropout2D", "GaussianNoise",
    "GaussianDropout", "AlphaDropout", "BatchNormalization", "AveragePooling2D", "GlobalAveragePooling2D",
    "AveragePooling1D", "GlobalAveragePooling1D", "Rescaling", "Normalization", "Identity", "ZeroPadding2D",
    "Cropping2D", "Activation", "Add", "Concatenate", "RandomFlip", "RandomTranslation", "RandomRotation",
    "RandomZoom", "RandomContrast", "RandomBrightness",
}  # fmt: skip


def check_linear_stack(model) -> list[Finding]:
    """Weighted hidden layers with no nonlinearity anywhere before the output layer (Dense(256) twice without
    an activation, TensorFlow-Examples' neural_network_raw): however deep, the network is one linear map and can
    separate no more than a logistic regression."""
    if not hasattr(model, "output_shape"):  # subclassed: its call may apply functions no layer shows
        return []
    layers = all_layers(model)
    weighted = [layer for layer in layers if len(getattr(getattr(layer, "kernel", None), "shape", ())) >= 2]
    if len(weighted) < 2:
        return []
    before_output = layers[: layers.index(weighted[-1])]
    if any(
        type(layer).__name__ not in AFFINE_LAYERS or activation_name(layer) not in ("", "linear")
        for layer in before_output
    ):
        return []
    hidden = [layer.name for layer in weighted[:-1]]
    return [
        _finding(
            "missing_hidden_activation",
            "warning",
            f"Hidden layer(s) {', '.join(hidden)} have no activation and nothing between them bends the signal: "
            "the whole network is one linear map, no more capable than a logistic regression.",
            "Give the hidden layers an activation (activation='relu'); only the output layer may stay without one.",
            layers=hidden,
        )
    ]


# A frozen layer whose weights still look freshly initialised (biases all zero, kernel within this factor of
# He/Glorot scale) was never trained: pretrained weights of a frozen backbone do not look like that.
FRESH_SCALE = 1.5


def check_frozen_layers(model) -> list[Finding]:
    """Layers set trainable=False while their weights are still a random initialisation: they can never learn."""
    frozen, total = {}, 0
    for layer in all_layers(model):
        kernel = getattr(layer, "kernel", None)
        if kernel is None or len(kernel.shape) < 2:
            continue
        size = int(np.prod(kernel.shape))
        total += size
        if layer.trainable or not _looks_fresh(layer):
            continue
        frozen[layer.name] = size
    if not frozen:
        return []
    share = sum(frozen.values()) / max(total, 1)
    return [
        _finding(
            "frozen_layers",
            "critical" if share > 0.99 else "warning",
            f"{len(frozen)} layer(s) are frozen (trainable=False) with weights that were never trained: "
            f"{', '.join(frozen)} ({share:.0%} of the network's weights) keep their random initialisation.",
            "Remove trainable=False (or layer.trainable = False) from these layers; freeze only layers that hold "
            "pretrained weights.",
            layers=list(frozen),
            frozen_share=round(share, 4),
        )
    ]


def _looks_fresh(layer) -> bool:
    weights = np.asarray(layer.kernel)
    fan_in, fan_out = int(np.prod(weights.shape[:-1])), int(weights.shape[-1])
    expected = expected_std(fan_in, fan_out, activation_name(layer))
    bias = getattr(layer, "bias", None)
    zero_bias = bias is None or not np.any(np.asarray(bias))
    return zero_bias and expected / FRESH_SCALE <= float(weights.std()) <= expected * FRESH_SCALE


def regularization_share(model, loss_function, images, targets) -> float | None:
    """The share of the training objective that is weight decay (the model's regularisation losses) on the
    probe batch, after training; None when it cannot be computed."""
    try:
        data_loss = float(loss_function(targets, model(images, training=False)))
        penalty = float(sum(float(np.asarray(term)) for term in model.losses)) if model.losses else 0.0
    except Exception:
        return None
    total = data_loss + penalty
    return penalty / total if math.isfinite(total) and total > 0 else None


def largest_dropout(model) -> float:
    return max((float(layer.rate) for layer in all_layers(model) if type(layer).__name__ == "Dropout"), default=0.0)


# Weight decay that is this share of the objective, or dropout this strong, holds a network that cannot fit its
# training images down (healthy runs: decay a few percent of the loss, dropout 0.2-0.5). Measured after
# training, when the decay has shrunk the weights: TheDeepChecker's L2-0.1 program ends at 0.21 (0.97 at
# initialisation), so 0.5 missed it.
HEAVY_DECAY_SHARE = 0.2
HEAVY_DROPOUT = 0.7
# At initialisation weight decay as large as the data loss (half the objective) makes the first steps shrink
# weights rather than fit. Measured on 16 px images: keras#7223's L2 0.1 on three convolutions starts at 0.74
# and shrinks its weights until the share after training is below HEAVY_DECAY_SHARE; the same network with
# Keras's own factor l2(0.01) starts near 0.22, with 0.001 at 0.03; TheDeepChecker's L2-0.1 CNN at 0.98.
HEAVY_INITIAL_DECAY_SHARE = 0.5


def check_regularization(
    decay_share: float | None,
    dropout: float,
    train_accuracy: float | None,
    params: DiagnoseParams,
    initial_decay_share: float | None = None,
) -> list[Finding]:
    """Regularisation so strong the network cannot fit its own training images; the decay's share of the
    objective is measured after training and (`initial_decay_share`, None: not measured) before it."""
    if train_accuracy is None or train_accuracy >= params.min_train_accuracy:
        return []
    heavy_decay = (decay_share is not None and decay_share >= HEAVY_DECAY_SHARE) or (
        initial_decay_share is not None and initial_decay_share >= HEAVY_INITIAL_DECAY_SHARE
    )
    if not heavy_decay and dropout < HEAVY_DROPOUT:
        return []
    share = max(decay_share or 0.0, initial_decay_share or 0.0)
    what = f"weight decay is {share:.0%} of the loss it minimises" if heavy_decay else f"dropout is {dropout:g}"
    return [
        _finding(
            "over_regularization",
            "warning",
            f"The network fits only {train_accuracy:.0%} of its training images and {what}: regularisation "
            "holds it down.",
            "Lower the L2 factor (model.l2, or kernel_regularizer in your builder) and dropout (model.dropout, or "
            "Dropout rates above 0.5 in your builder).",
            decay_share=decay_share,
            initial_decay_share=initial_decay_share,
            largest_dropout=dropout,
            train_accuracy=train_accuracy,
        )
    ]


@dataclass(frozen=True)
class ProbeBatch:
    """A fixed batch the checks run the network on: images as the network takes them, targets as the loss
    takes them (`one_hot`: one-hot rows rather than class ids)."""

    images: np.ndarray
    targets: np.ndarray
    one_hot: bool


def check_before_first_step(
    model, loss, num_classes: int, batch: ProbeBatch, batch_size: int, params: DiagnoseParams
) -> tuple[list[Finding], str | None]:
    """Every check before the first step (the pipeline's train stage and DoctorCallback): the findings and, when
    no training step is possible (the loss cannot be computed on the model's outputs), why."""
    mean = mean_loss(loss)
    try:
        outputs = model(batch.images, training=False)
        initial_loss = float(mean(batch.targets, outputs))
    except Exception as error:  # Keras would raise the same on the first step: report it, never crash
        reason = str(error).strip().splitlines()[-1][:300] if str(error).strip() else type(error).__name__
        return [loss_not_computable(reason, num_classes, getattr(model, "output_shape", (None, "?")))], reason
    from_logits = describe_loss(loss)[1]
    rewards_right = loss_rewards_right_answers(mean, num_classes, batch.one_hot, from_logits)
    summed = check_summed_loss(loss_sums_over_the_batch(mean, num_classes, batch.one_hot, from_logits), batch_size)
    competing = classes_compete_on_scores(mean, num_classes, batch.one_hot)
    smooths = bool(getattr(loss, "get_config", dict)().get("label_smoothing")) if not isinstance(loss, str) else False
    share = None if from_logits or smooths else certainty_share(mean, num_classes, batch.one_hot)
    first = FirstOutputs(initial_loss, rewards_right, _as_array(outputs), competing, share)
    checks = check_model(model, loss, num_classes, batch.images, first, params)
    return [*checks, *summed, *check_batch_independence(model, batch.images)], None


def _as_array(outputs) -> np.ndarray | None:
    """One output tensor as an array (None for a model with several outputs)."""
    try:
        return np.asarray(outputs, dtype=np.float32)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class FirstOutputs:
    """What the untrained network did on the probe batch: its loss, whether the loss rewards right answers
    (`loss_rewards_right_answers`, None: not measured), its outputs (None: not recorded) and whether the loss
    makes the classes compete on raw scores."""

    initial_loss: float
    rewards_right: bool | None = None
    outputs: np.ndarray | None = None
    classes_compete: bool | None = None  # on raw scores (`classes_compete_on_scores`); None: not measured
    certainty_share: float | None = None  # `certainty_share` on probabilities; None: not measured


# An image's outputs computed in a batch of 64 and in a batch of 32 differ by float rounding only (about 1e-6
# of their scale in float32, 1e-3 under mixed precision); a layer that reduces over the batch moves them by
# their own size.
BATCH_DEPENDENCE = 0.05


def check_batch_independence(model, images: np.ndarray) -> list[Finding]:
    """At inference an image's outputs must not depend on the other images of its batch. A hand-written softmax
    or normalisation that reduces over axis 0 (the batch) instead of the classes or features makes them depend
    (TheDeepChecker's wrong_softmax_impl): each image is scored against its neighbours."""
    if len(images) < 4:
        return []
    half = len(images) // 2
    try:
        whole = np.asarray(model(images, training=False), dtype=np.float64)
        parts = np.concatenate(
            [np.asarray(model(part, training=False), dtype=np.float64) for part in (images[:half], images[half:])]
        )
    except Exception:  # several outputs, or a model that needs a fixed batch: nothing to compare
        return []
    if whole.shape != parts.shape or not (np.isfinite(whole).all() and np.isfinite(parts).all()):
        return []
    change = float(np.max(np.abs(whole - parts)) / (np.max(np.abs(whole)) + 1e-12))
    if change < BATCH_DEPENDENCE:
        return []
    return [
        _finding(
            "wrong_reduction_axis",
            "warning",
            f"An image's outputs change with the other images of its batch (by {change:.0%} of their scale between "
            f"a batch of {len(images)} and two of {half}): a layer reduces over the batch axis (axis 0) where it "
            "should reduce over the classes or features.",
            "Check the axis of every reduction (sum, max, mean, softmax, normalisation) in your own layers and "
            "loss: axis=-1 (the classes or features), never axis=0 or no axis.",
            relative_change=round(change, 4),
            batch_sizes=[len(images), half],
        )
    ]


def undefined_on_outputs(first: FirstOutputs) -> bool:
    """The loss is NaN or infinite on the network's finite outputs while it is finite on probabilities
    (`rewards_right` was measured): a hand-written cross-entropy on linear outputs (TheDeepChecker IPS_7)."""
    return (
        first.rewards_right is not None
        and not math.isfinite(first.initial_loss)
        and first.outputs is not None
        and first.outputs.size > 0
        and bool(np.isfinite(first.outputs).all())
    )


def loss_maximized(summary: str, recommendation: str, **evidence) -> Finding:
    """Every step climbs the loss instead of descending it: a loss that rewards wrong answers, or a negative
    learning rate (UMLAUT's user-study programs, TheDeepChecker's flipped gradient sign)."""
    return _finding("loss_maximized", "critical", summary, recommendation, **evidence)


def check_step_direction(optimizer) -> list[Finding]:
    """A negative learning rate turns gradient descent into ascent (a user's optimizer; the params' rate is
    validated positive)."""
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # mixed precision wraps it
    try:
        rate = float(np.asarray(inner.learning_rate))
    except (AttributeError, TypeError, ValueError):
        return []
    if not rate < 0:
        return []
    return [
        loss_maximized(
            f"The optimizer's learning rate is {rate:g}: each step moves the weights up the loss, away from its "
            "minimum.",
            "Give the optimizer a positive learning rate (Adam's usual 1e-3, or train.learning_rate).",
            learning_rate=rate,
        )
    ]


# float16's smallest positive value: an optimizer epsilon below it is zero in float16 arithmetic
FLOAT16_SMALLEST = float(np.finfo(np.float16).smallest_subnormal)
LOW_PRECISION = ("float16", "bfloat16")


def check_weight_precision(model) -> list[Finding]:
    """Weights stored in 16-bit floats (layers built with dtype float16): Keras's mixed precision computes in
    float16 but keeps float32 weights for exactly this reason."""
    layers = sorted(
        {
            layer.name
            for layer in all_layers(model)
            for weight in layer.trainable_weights
            if weight.dtype in LOW_PRECISION
        }
    )
    if not layers:
        return []
    epsilon = getattr(getattr(model, "optimizer", None), "epsilon", None)
    vanishes = epsilon is not None and float(epsilon) < FLOAT16_SMALLEST
    return [
        _finding(
            "low_precision_weights",
            "critical" if vanishes else "warning",
            f"Layer(s) {', '.join(layers[:5])}{' ...' if len(layers) > 5 else ''} store their weights in 16-bit "
            "floats: updates smaller than the weights' precision are lost, small gradients round to zero"
            + (
                f", and the optimizer's epsilon {float(epsilon):g} is zero in float16: its steps divide by zero."
                if vanishes
                else "."
            ),
            "Keep the weights in float32: build the model without dtype='float16' and use "
            "keras.mixed_precision.set_global_policy('mixed_float16') to compute in float16 (it keeps float32 "
            "weights and scales the loss)"
            + ("; at the least raise the optimizer's epsilon to 1e-4." if vanishes else "."),
            layers=layers,
            optimizer_epsilon=None if epsilon is None else float(epsilon),
        )
    ]


# Layers that add noise in training only, and layers that pass their input on unchanged in kind
TRAINING_NOISE = {
    "Dropout",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "GaussianDropout",
    "GaussianNoise",
    "AlphaDropout",
}
PASS_THROUGH = {"Flatten", "Reshape", "Activation", "ReLU", "ZeroPadding2D", "Cropping2D"}


def dropout_feeding_batchnorm(model) -> list[tuple[str, str]]:
    """(noise layer, batch normalisation) pairs where a training-only noise layer feeds a BatchNormalization
    with nothing weighted between them (in build order)."""
    pairs, noise = [], None
    for layer in all_layers(model):
        kind = type(layer).__name__
        if kind in TRAINING_NOISE:
            noise = layer.name
        elif kind == "BatchNormalization":
            if noise is not None:
                pairs.append((noise, layer.name))
            noise = None
        elif kind not in PASS_THROUGH and "Pooling" not in kind:
            noise = None
    return pairs


def check_dropout_before_batchnorm(model) -> list[Finding]:
    """Called once batch statistics were measured stale: a dropout feeding a batch normalisation is why (the
    variance shift: the moving variance is learned on dropped-out activations and is wrong at inference)."""
    pairs = dropout_feeding_batchnorm(model)
    if not pairs:
        return []
    named = ", ".join(f"{noise} -> {norm}" for noise, norm in pairs)
    return [
        _finding(
            "dropout_before_batchnorm",
            "warning",
            f"Dropout feeds batch normalisation ({named}): the statistics it learns in training include "
            "dropout's noise, which is gone at inference, so the network meets other activations than it was "
            "normalised for (the variance shift).",
            "Put Dropout after the last BatchNormalization (just before the output layer), or drop it where a "
            "BatchNormalization follows.",
            pairs=[list(pair) for pair in pairs],
        )
    ]


def check_model(
    model, loss, num_classes: int, probe_inputs: np.ndarray, first: FirstOutputs, params: DiagnoseParams
) -> list[Finding]:
    """Every static check; `probe_inputs` are the values that reach the first weighted layer; `first` what the
    untrained network did on them."""
    initial_loss = first.initial_loss
    return [
        *check_loss_and_output(model, loss, num_classes, first),
        *check_step_direction(getattr(model, "optimizer", None)),
        *check_weight_precision(model),
        *check_hidden_activations(model),
        *check_linear_stack(model),
        *check_frozen_layers(model),
        *check_input_scaling(model, probe_inputs),
        *check_initialization(model, params),
        *check_capacity(model, num_classes),
        *check_initial_loss(initial_loss, num_classes, params),
    ]


def loss_not_computable(reason: str, num_classes: int, output_shape) -> Finding:
    """The loss fails on the model's output before any training step (Keras would fail the same way)."""
    return _finding(
        "loss_activation_mismatch",
        "critical",
        f"The model cannot compute its loss on these labels: {reason}",
        f"Give the output layer {num_classes} units with softmax and use sparse categorical "
        "cross-entropy (cnn-doctor feeds one-hot labels to categorical losses).",
        error=reason,
        output_shape=list(output_shape),
    )


def first_step_failed(reason: str) -> Finding:
    return _finding(
        "loss_activation_mismatch",
        "critical",
        f"The first training step failed: {reason}",
        "Match the output layer and loss to the labels (sparse categorical cross-entropy).",
        error=reason,
    )
