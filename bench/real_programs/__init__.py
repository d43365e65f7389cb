"""Real faulty image-classifier programs from published bug benchmarks, re-expressed so cnn-doctor runs them.

Each `Program` is one faulty program and the same program with the fix its benchmark states:

- the model builders (`module:function` under this folder, `build(input_shape, num_classes) -> keras.Model`,
  compiled by the program itself: cnn-doctor keeps a compiled model's optimizer and loss), the params overrides
  (epochs, batch size, `preprocess.normalize=none` for raw pixels, ...) and, for data faults, a data transform;
- where it comes from (`origin`: repository and path, commit, issue or Stack Overflow question), the fault and the
  fix as the benchmark states them, and what had to change to run it here (`note`);
- `root_causes`: the finding ids that name the real fix (ids not yet in docs/FINDINGS.md are proposed, see
  `PROPOSED_IDS`), and `fix_equivalents`: which of the doctor's verified fixes amount to the real fix.

Sources: DeepLocalize (Wardat-ISU/DeepLocalize), whose programs DeepFD (ArabelaTso/DeepFD) labels with fault
types; Defects4ML (mohmehmo/defects4ml); TheDeepChecker (thedeepchecker/thedeepchecker: Stack Overflow programs,
Zhang et al.'s TensorFlow-Examples bugs, faults injected into its clean program); AUTOTRAINER's models as
DeepDiagnosis publishes them (DeepDiagnosis/ICSE2022); DeepCrime's MNIST subject and its real-fault operators
(dlfaults/deepcrime); GitHub issue threads. Images: "digits" (scikit-learn's 8x8 digits, 16 px) and "fashion"
(Fashion-MNIST, 180 photos a class). `split` is "dev" or "held": alternating within each fault category, balanced
across the datasets; nothing may be tuned on "held".

Run them with bench/real_programs.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data_faults import (
    Transform,
    classes_overlap,
    labels_changed,
    subset,
    test_pixels_unscaled,
    validation_split_unshuffled,
)

FOLDER = Path(__file__).resolve().parent

# Finding ids a good doctor would name for faults no current id fits (root_causes may list them).
PROPOSED_IDS = {
    "wrong_hidden_activation": "a hidden layer's activation does not suit a hidden layer (softmax between layers, "
    "ReLU on a colour transform): the layer squashes or cuts what the next needs",
    "loss_summed_over_batch": "a hand-written loss sums over the batch (or swaps sum and mean), so the step grows "
    "with the batch size: the rate is effectively batch-size times too high",
    "frozen_layers": "the network has no (or almost no) trainable weights: every layer set trainable=False",
    "over_regularization": "weight decay or dropout so strong that the network cannot fit its training images",
    "stale_batch_statistics": "BatchNormalization's moving mean and variance have not converged (momentum too "
    "high for the number of updates): inference is far worse than training on the same images",
    "test_distribution_shift": "the evaluated split is preprocessed or sourced differently from the training split "
    "(test pixels unscaled): a model that learned its training images fails on it",
    "unrepresentative_split": "the validation or test split holds classes the training split lacks (data sorted by "
    "class and split without shuffling)",
}

# The doctor's verified fixes (evidence.verification["change"]) that amount to a real fix, by name.
FIX_EQUIVALENTS = {
    "lr_down": "a lower learning rate than the program's",
    "lr_up": "a higher learning rate than the program's",
    "epochs": "more epochs",
    "normalize": "preprocess.normalize=unit (scaled inputs)",
    "unnormalize": "preprocess.normalize=none (one scaling instead of two)",
    "softmax": "a softmax output in the model builder",
    "init": "standard initialisers",
}


@dataclass(frozen=True)
class Version:
    """One side of a program: its model builder (`module:function`), params overrides, and data transform
    (None: the program's dataset, `Program.classes` of it)."""

    builder: str
    overrides: tuple[str, ...] = ()
    data: Transform | None = None

    def builder_path(self) -> str:
        module, function = self.builder.split(":")
        return f"{FOLDER / module}.py:{function}"


@dataclass(frozen=True)
class Program:
    name: str
    origin: str
    category: str
    dataset: str  # digits | fashion
    split: str  # dev | held
    fault: str
    fix: str
    fix_kind: str
    root_causes: tuple[str, ...]
    faulty: Version
    fixed: Version
    overrides: tuple[str, ...] = ()  # params overrides both versions share
    fix_equivalents: tuple[str, ...] = ()  # keys of FIX_EQUIVALENTS
    faulty_learning_rate: float | None = None  # the program's rate (for lr_down / lr_up)
    image_size: int = 16
    classes: tuple[str, ...] | None = None  # class folders of the dataset the program trains on (None: all)
    note: str = ""  # how the program was re-expressed

    def version(self, which: str) -> Version:
        return self.faulty if which == "faulty" else self.fixed

    def data(self, which: str) -> Transform:
        return self.version(which).data or subset(self.classes)

    def params(self, which: str) -> list[str]:
        version = self.version(which)
        return [
            f"preprocess.image_size={self.image_size}",
            *self.overrides,
            *version.overrides,
            f"model.builder={version.builder_path()}",
        ]


def _v(builder: str, *overrides: str, data: Transform | None = None) -> Version:
    return Version(builder, tuple(overrides), data)


RAW = "preprocess.normalize=none"
FASHION_3 = ("t-shirt_top", "trouser", "bag")

PROGRAMS: tuple[Program, ...] = (
    # ----------------------------------------------------------------------------- output activation and loss
    Program(
        name="so48385830_mse_no_activations",
        origin="DeepLocalize Benchmark/StackOverflow/48385830 (SO 48385830); DeepFD Benchmark-with-patches.xlsx no. 1",
        category="activation/loss",
        dataset="digits",
        split="dev",
        fault="MNIST MLP Dense(30)-Dense(10) without activations, N(0,1) weights and biases, SGD(lr=3.0), mean "
        "squared error on one-hot labels (loss NaN, accuracy 0.10)",
        fix="sigmoid hidden layer, softmax output, categorical cross-entropy (SGD 3.0 kept: accuracy 0.96); DeepFD's "
        "fault types: activation, loss, learning rate",
        fix_kind="output activation and loss (and learning rate)",
        root_causes=("loss_activation_mismatch", "learning_rate_too_high"),
        fix_equivalents=("softmax", "lr_down"),
        faulty_learning_rate=3.0,
        faulty=_v("deeplocalize:so48385830_faulty"),
        fixed=_v("deeplocalize:so48385830_fixed"),
        overrides=("train.batch_size=10", "train.epochs=20"),
        note="784 MNIST pixels -> 256 (16 px digits); 30 epochs of 6,000 steps -> 20 of ~126; the MSE is a Loss "
        "subclass that one-hot encodes (cnn-doctor gives non-categorical losses class indices)",
    ),
    Program(
        name="so55328966_raw_pixels_sigmoid_output",
        origin="DeepLocalize Benchmark/StackOverflow/55328966 (SO 55328966); DeepFD no. 8; Defects4ML bugs/100",
        category="activation/loss",
        dataset="fashion",
        split="held",
        fault="raw 0-255 MNIST pixels into Dense(784)-Dense(50)-ReLU-Dense(10)-sigmoid with categorical "
        "cross-entropy and plain gradient descent at 1e-4 (loss NaN, accuracy 0.10)",
        fix="x/255 on both splits and a softmax output (DeepLocalize); DeepFD's patch also replaces gradient "
        "descent with Adam at the same rate",
        fix_kind="input scaling and output activation",
        root_causes=("missing_normalization", "loss_activation_mismatch"),
        fix_equivalents=("normalize", "softmax"),
        faulty=_v("deeplocalize:so55328966_faulty", RAW),
        fixed=_v("deeplocalize:so55328966_fixed"),
        overrides=("train.batch_size=32", "train.epochs=30"),
        note="5,000 MNIST rows -> 1,800 Fashion-MNIST photos at 16 px; 10 epochs of 156 steps -> 30 of ~48",
    ),
    Program(
        name="so47352366_relu_output",
        origin="DeepLocalize Benchmark/StackOverflow/47352366 (SO 47352366); DeepFD no. 25",
        category="activation/loss",
        dataset="fashion",
        split="dev",
        fault="MNIST CNN whose Dense(10) output uses ReLU under categorical cross-entropy (loss NaN, accuracy 0.06)",
        fix="softmax on the output layer (accuracy 0.98)",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("deeplocalize:so47352366_faulty"),
        fixed=_v("deeplocalize:so47352366_fixed"),
        overrides=("train.batch_size=50", "train.epochs=20"),
        note="600 train_on_batch steps of 50 MNIST images -> 20 epochs of ~31 steps; 28 px -> 16 px Fashion-MNIST",
    ),
    Program(
        name="so58609115_sigmoid_binary_ce_multiclass",
        origin="DeepLocalize Benchmark/StackOverflow/58609115 (SO 58609115); DeepFD no. 29",
        category="activation/loss",
        dataset="fashion",
        split="held",
        fault="69-class classifier with sigmoid hidden and output layers under binary cross-entropy, one epoch",
        fix="ReLU hidden layers, softmax output, categorical cross-entropy, 10 epochs",
        fix_kind="output activation, loss and epochs",
        root_causes=("loss_activation_mismatch", "undertrained"),
        fix_equivalents=("softmax", "epochs"),
        faulty=_v("deeplocalize:so58609115_faulty", "train.epochs=1"),
        fixed=_v("deeplocalize:so58609115_fixed", "train.epochs=10"),
        overrides=("train.batch_size=50",),
        note="one numeric feature and 69 classes -> 256 pixels and 10 classes (a classifier of another domain "
        "re-expressed on images)",
    ),
    Program(
        name="so50079585_one_sigmoid_unit_three_classes",
        origin="DeepLocalize Benchmark/StackOverflow/50079585 (SO 50079585); DeepFD no. 21",
        category="activation/loss",
        dataset="fashion",
        split="dev",
        fault="3-class image CNN (class_mode='binary') ending in Dense(1)+sigmoid under binary cross-entropy",
        fix="Dense(3)+softmax, categorical cross-entropy, class_mode='categorical'",
        fix_kind="output units, activation and loss",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("deeplocalize:so50079585_faulty"),
        fixed=_v("deeplocalize:so50079585_fixed"),
        overrides=("train.batch_size=16", "train.epochs=10", "augment.zoom=0.2", "augment.flip=horizontal"),
        image_size=28,
        classes=FASHION_3,
        note="979 150x150 RGB photos of 3 classes -> 540 Fashion-MNIST photos of 3 classes at 28 px; the "
        "generator's zoom and flip kept, its shear left out",
    ),
    Program(
        name="so31880720_softmax_on_one_unit",
        origin="DeepLocalize Benchmark/StackOverflow/31880720 (SO 31880720); DeepFD no. 10; DeepDiagnosis "
        "MOTIVATING EXAMPLE/31880720",
        category="activation/loss",
        dataset="digits",
        split="held",
        fault="binary MLP ending in Dense(1)+softmax under binary cross-entropy: the one softmax output is always 1 "
        "(accuracy 0.5)",
        fix="sigmoid instead of softmax on the output unit",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("deeplocalize:so31880720_faulty"),
        fixed=_v("deeplocalize:so31880720_fixed"),
        overrides=("train.batch_size=1", "train.epochs=3"),
        classes=("0", "1"),
        note="vectors of ones vs zeros -> digits 0 vs 1; the fixed single sigmoid unit -> one sigmoid unit per "
        "class (cnn-doctor needs one output per class)",
    ),
    Program(
        name="so58844149_softmax_on_one_unit_cnn",
        origin="Defects4ML bugs/092 (SO 58844149)",
        category="activation/loss",
        dataset="fashion",
        split="held",
        fault="AlexNet-like binary image CNN ending in Dense(1)+softmax under binary cross-entropy",
        fix="sigmoid instead of softmax",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("defects4ml:so58844149_faulty"),
        fixed=_v("defects4ml:so58844149_fixed"),
        overrides=("train.batch_size=8", "train.epochs=5", "augment.rotation=0.25"),
        classes=("trouser", "bag"),
        note="random 300x300 images -> Fashion-MNIST trousers vs bags at 16 px; rotation_range=90 kept, featurewise "
        "centring left out; one sigmoid unit per class in the fix",
    ),
    Program(
        name="so59278771_sigmoid_output_raw_features",
        origin="DeepLocalize Benchmark/StackOverflow/59278771 (SO 59278771); DeepFD no. 16; Defects4ML bugs/099",
        category="activation/loss",
        dataset="digits",
        split="dev",
        fault="iris network Dense(4)-ReLU-Dense(3)-sigmoid under categorical cross-entropy on unscaled features",
        fix="MinMaxScaler on the inputs, an extra Dense(8) ReLU layer, softmax output",
        fix_kind="output activation and input scaling",
        root_causes=("loss_activation_mismatch", "missing_normalization"),
        fix_equivalents=("softmax", "normalize"),
        faulty=_v("deeplocalize:so59278771_faulty", RAW),
        fixed=_v("deeplocalize:so59278771_fixed"),
        overrides=("train.batch_size=5", "train.epochs=20"),
        classes=("0", "1", "2"),
        note="4 iris features, 3 classes -> 256 pixels of digits 0-2; 200 epochs of 30 steps -> 20 of ~76",
    ),
    Program(
        name="tf37683_subclassed_softmax_from_logits",
        origin="GitHub tensorflow/tensorflow#37683",
        category="activation/loss",
        dataset="fashion",
        split="dev",
        fault="subclassed keras.Model with a softmax Dense(10) output, compiled with "
        "SparseCategoricalCrossentropy(from_logits=True)",
        fix="from_logits=False (or no softmax in the model)",
        fix_kind="loss/output mismatch (from_logits)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("issues:tf37683_faulty"),
        fixed=_v("issues:tf37683_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="MNIST 28 px -> Fashion-MNIST 16 px; the thread's crashing metrics=[Accuracy()] left out",
    ),
    Program(
        name="ips11_relu_on_logits_custom_layers",
        origin="TheDeepChecker SO_buggy_examples/IPS_11.py",
        category="activation/loss",
        dataset="digits",
        split="held",
        fault="hand-written conv/fc layers where the logits layer fc2 also applies ReLU before "
        "softmax_cross_entropy_with_logits",
        fix="no ReLU on the logits layer",
        fix_kind="ReLU on logits (from_logits=True)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("deepchecker:ips11_faulty"),
        fixed=_v("deepchecker:ips11_fixed"),
        overrides=("train.batch_size=100", "train.epochs=20"),
        note="tf.Variable layers -> keras.layers.Layer subclasses whose ReLU is inside call() (no activation "
        "attribute to read)",
    ),
    Program(
        name="so44066044_relu_output_raw_features",
        origin="DeepLocalize Benchmark/StackOverflow/44066044 (SO 44066044); DeepFD no. 23",
        category="activation/loss",
        dataset="digits",
        split="dev",
        fault="binary MLP Dense(12)-Dense(12)-Dense(1), all ReLU, under binary cross-entropy on unscaled features",
        fix="preprocessing.scale(X) and a sigmoid output",
        fix_kind="output activation and input scaling",
        root_causes=("loss_activation_mismatch", "missing_normalization"),
        fix_equivalents=("softmax", "normalize"),
        faulty=_v("deeplocalize:so44066044_faulty", RAW),
        fixed=_v("deeplocalize:so44066044_fixed"),
        overrides=("train.batch_size=5", "train.epochs=10"),
        classes=("3", "8"),
        note="11 packet features -> 256 pixels of digits 3 vs 8; the one output unit -> one unit per class; "
        "100 epochs -> 10",
    ),
    Program(
        name="so34673164_softmax_mse",
        origin="DeepLocalize Benchmark/StackOverflow/34673164 (SO 34673164); DeepFD no. 19",
        category="activation/loss",
        dataset="digits",
        split="held",
        fault="tanh MLP with a 2-unit softmax output trained on mean squared error (SGD 0.1, Nesterov momentum 0.9)",
        fix="BatchNormalization on the inputs, sigmoid output, binary cross-entropy (accuracy 0.78 -> 0.89)",
        fix_kind="loss and output activation",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("deeplocalize:so34673164_faulty"),
        fixed=_v("deeplocalize:so34673164_fixed"),
        overrides=("train.batch_size=16", "train.epochs=20"),
        classes=("5", "6"),
        note="16 features -> digits 5 vs 6; DeepFD found the original already accurate (a weak fault); decay=1e-6 "
        "left out; the MSE is a plain function that one-hot encodes",
    ),
    Program(
        name="autotrainer_demo_relu_output",
        origin="shiningrain/AUTOTRAINER AutoTrainer/demo_case/Improper_Activation_case/demo_activation.py",
        category="activation/loss",
        dataset="digits",
        split="dev",
        fault="four Dense(50) ReLU layers and a Dense(3) ReLU output under categorical cross-entropy, Adam 1e-4",
        fix="softmax on the output layer (AUTOTRAINER's activation repair)",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("autotrainer:improper_activation_faulty"),
        fixed=_v("autotrainer:improper_activation_fixed"),
        overrides=("train.batch_size=32", "train.epochs=30"),
        classes=("0", "1", "2"),
        note="scikit-learn blobs of 2 features, 3 classes -> 256 pixels of digits 0-2; 300 epochs of batches of 256 "
        "-> 30 epochs of 32",
    ),
    Program(
        name="deepchecker_softmax_hidden_activation",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_activation/baseCNN_wrong_act.py (clean: "
        "clean_base_programs/baseCNN.py); pitfall SO 52575271",
        category="activation/loss",
        dataset="fashion",
        split="held",
        fault="softmax as the first convolution's activation (an intermediary softmax)",
        fix="ReLU, as in the clean program",
        fix_kind="hidden activation",
        root_causes=("wrong_hidden_activation",),
        faulty=_v("deepchecker:base_cnn_softmax_hidden"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) modelled on real posts",
    ),
    Program(
        name="deepchecker_redundant_softmax",
        origin="TheDeepChecker buggy_synthetic_programs/redundant_softmax/baseCNN_red_soft.py",
        category="activation/loss",
        dataset="digits",
        split="held",
        fault="softmax probabilities passed to softmax_cross_entropy_with_logits (softmax output, from_logits=True)",
        fix="pass the logits (the clean program)",
        fix_kind="loss/output mismatch (from_logits)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("deepchecker:base_cnn_redundant_softmax"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    # ----------------------------------------------------------------------------------------- input scaling
    Program(
        name="so48594888_cifar_raw_pixels",
        origin="DeepLocalize Benchmark/StackOverflow/48594888 (untitled42.py); DeepFD no. 27",
        category="normalization",
        dataset="fashion",
        split="dev",
        fault="CIFAR-10 CNN trained five epochs on raw 0-255 pixels",
        fix="x/255 (DeepLocalize's patch also sets the second kernel to 2x2, Dense(1024), Dropout(0.4)); DeepFD's "
        "fault types: epochs, batch size",
        fix_kind="input scaling (and epochs)",
        root_causes=("missing_normalization", "undertrained"),
        fix_equivalents=("normalize", "epochs"),
        faulty=_v("deeplocalize:so48594888_faulty", RAW, "train.epochs=5"),
        fixed=_v("deeplocalize:so48594888_fixed", "train.epochs=15"),
        overrides=("train.batch_size=32",),
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 16 px grey; the patch's batch 500 of 50,000 kept as 32 of ~1,530",
    ),
    Program(
        name="deepchecker_missing_normalization",
        origin="TheDeepChecker buggy_synthetic_programs/missing_normalization/baseCNN_miss_norm.py",
        category="normalization",
        dataset="digits",
        split="held",
        fault="the data loader's normalisation switched off: raw 0-255 pixels",
        fix="scaled pixels (the clean program)",
        fix_kind="input scaling",
        root_causes=("missing_normalization",),
        fix_equivalents=("normalize",),
        faulty=_v("deepchecker:base_cnn", RAW),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    Program(
        name="deepchecker_double_normalization",
        origin="TheDeepChecker buggy_synthetic_programs/double_normalization/baseCNN_dbl_norm.py",
        category="normalization",
        dataset="fashion",
        split="held",
        fault="pixels divided by their range twice (already-scaled images divided by 255 again)",
        fix="divide once (the clean program)",
        fix_kind="input scaling (twice)",
        root_causes=("inputs_scaled_twice",),
        fix_equivalents=("unnormalize",),
        faulty=_v("deepchecker:base_cnn_double_scaled"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="the second division is a Rescaling(1/255) in the model, after cnn-doctor's own scaling",
    ),
    # --------------------------------------------------------------------------------------- initialisation
    Program(
        name="ips4_random_normal_init",
        origin="TheDeepChecker SO_buggy_examples/IPS_4.py",
        category="initialization",
        dataset="fashion",
        split="dev",
        fault="3x500 ReLU MLP with tf.random_normal (std 1) weights and biases: logits in the thousands",
        fix="Glorot weights and zero biases (logits kept, from_logits=True)",
        fix_kind="initialisation",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("deepchecker:ips4_faulty"),
        fixed=_v("deepchecker:ips4_fixed"),
        overrides=("train.batch_size=100", "train.epochs=10"),
    ),
    Program(
        name="tfe255_convnet_raw_random_normal",
        origin="GitHub aymericdamien/TensorFlow-Examples#255 (examples/3_NeuralNetworks/convolutional_network_raw.py)",
        category="initialization",
        dataset="digits",
        split="held",
        fault="CNN with tf.random_normal (std 1) weights and biases",
        fix="zero biases and smaller-std weights (the issue's fix)",
        fix_kind="initialisation",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("issues:convnet_raw_faulty"),
        fixed=_v("issues:convnet_raw_fixed"),
        overrides=("train.batch_size=128", "train.epochs=20"),
        note="200 steps of 128 MNIST images -> 20 epochs of ~10",
    ),
    Program(
        name="tf3916_zero_init_sigmoid_mlp",
        origin="GitHub tensorflow/tensorflow#3916 (and the tutorial fix PR #13935)",
        category="initialization",
        dataset="digits",
        split="dev",
        fault="mnist_softmax.py grown to a 1000-unit sigmoid hidden layer with every weight zero: the units stay "
        "identical (accuracy 0.11)",
        fix="random initial weights",
        fix_kind="initialisation",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("issues:tf3916_faulty"),
        fixed=_v("issues:tf3916_fixed"),
        overrides=("train.batch_size=100", "train.epochs=30"),
        note="1,000 steps of 100 -> 30 epochs of ~13",
    ),
    Program(
        name="deepchecker_constant_init",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_init/baseCNN_constant.py",
        category="initialization",
        dataset="fashion",
        split="held",
        fault="every kernel initialised to the constant 0.01 (symmetric units)",
        fix="he_normal / Glorot initialisers (the clean program)",
        fix_kind="initialisation",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("deepchecker:base_cnn_constant_init"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    # ------------------------------------------------------------------------------ optimizer and learning rate
    Program(
        name="d4ml038_adam_lr_100",
        origin="Defects4ML bugs/038 (GitHub NikhilM98/learning-deeplearning eb24906, super_basic_1.py)",
        category="learning rate",
        dataset="digits",
        split="dev",
        fault="Adam(lr=100)",
        fix="Adam(lr=0.0001)",
        fix_kind="learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=100.0,
        faulty=_v("defects4ml:nikhilm98_faulty"),
        fixed=_v("defects4ml:nikhilm98_fixed"),
        overrides=("train.batch_size=10", "train.epochs=20"),
        note="one scaled age feature and 2 classes -> 256 pixels and 10 digit classes",
    ),
    Program(
        name="facial_keypoints_adam_lr_0_1",
        origin="DeepLocalize Benchmark/GitHub FacialKeypointsDetection (ShyamPoovaiah/FacialKeypointsDetection "
        "6543925, src/1_single_hidden_layer.py); DeepFD no. 49; Defects4ML bugs/024",
        category="learning rate",
        dataset="fashion",
        split="held",
        fault="Adam(lr=0.1) on a linear Dense(50)-Dense(100)-Dense(30) network",
        fix="SGD(lr=0.01, momentum 0.9, Nesterov, clipnorm 1)",
        fix_kind="optimizer and learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("deeplocalize:facial_keypoints_faulty"),
        fixed=_v("deeplocalize:facial_keypoints_fixed"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="regression of 30 keypoints on 96 px faces -> Fashion-MNIST classes at 16 px (softmax output); "
        "decay=1e-6 left out; 100 epochs -> 20",
    ),
    Program(
        name="deepchecker_high_lr",
        origin="TheDeepChecker buggy_synthetic_programs/high_lr/baseCNN_high_lr.py",
        category="learning rate",
        dataset="digits",
        split="held",
        fault="gradient descent at 0.5 (the clean program's 0.1 raised)",
        fix="gradient descent at 0.1",
        fix_kind="learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.5,
        faulty=_v("deepchecker:base_cnn_high_lr"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    Program(
        name="deepchecker_low_lr",
        origin="TheDeepChecker buggy_synthetic_programs/low_lr/baseCNN_low_lr.py",
        category="learning rate",
        dataset="fashion",
        split="dev",
        fault="gradient descent at 0.001 (the clean program's 0.1 lowered)",
        fix="gradient descent at 0.1",
        fix_kind="learning rate (too low)",
        root_causes=("learning_rate_too_low",),
        fix_equivalents=("lr_up",),
        faulty_learning_rate=0.001,
        faulty=_v("deepchecker:base_cnn_low_lr"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    Program(
        name="so50306988_default_adam_rate_five_epochs",
        origin="DeepLocalize Benchmark/StackOverflow/50306988 (SO 50306988); DeepFD no. 4; Defects4ML bugs/078",
        category="learning rate",
        dataset="fashion",
        split="held",
        fault="2-2-2 network trained with Adam at its default rate 0.001 for five epochs: accuracy stays at 0.5",
        fix="Adam(lr=0.01) and 10 epochs (DeepFD's patch; Defects4ML: the learning rate)",
        fix_kind="learning rate (too low) and epochs",
        root_causes=("learning_rate_too_low", "undertrained"),
        fix_equivalents=("lr_up", "epochs"),
        faulty_learning_rate=0.001,
        faulty=_v("deeplocalize:so50306988_faulty", "train.epochs=5"),
        fixed=_v("deeplocalize:so50306988_fixed", "train.epochs=10"),
        overrides=("train.batch_size=32",),
        classes=("trouser", "sneaker"),
        note="2 features of 2 uniform clusters -> 256 pixels of trousers vs sneakers",
    ),
    Program(
        name="so44164749_wide_mlp_few_updates",
        origin="DeepLocalize Benchmark/StackOverflow/44164749 (SO 44164749); DeepFD no. 2",
        category="learning rate",
        dataset="digits",
        split="dev",
        fault="Dense(5000)-Dense(600) MLP, SGD(lr=0.01, momentum 0.9, Nesterov), batches of 2,000, five epochs: "
        "too few, too small updates (accuracy 0.89)",
        fix="lr 0.05 and 10 epochs (DeepFD: 'only changing the learning rate to 0.05 achieves 0.9487')",
        fix_kind="learning rate (too low) and epochs",
        root_causes=("learning_rate_too_low", "undertrained"),
        fix_equivalents=("lr_up", "epochs"),
        faulty_learning_rate=0.01,
        faulty=_v("deeplocalize:so44164749_faulty", "train.epochs=5"),
        fixed=_v("deeplocalize:so44164749_fixed", "train.epochs=10"),
        overrides=("train.batch_size=128",),
        note="batches of 2,000 of 60,000 (30 steps an epoch) -> 128 of ~1,260 (10 steps an epoch); decay=1e-6 left out",
    ),
    Program(
        name="deepcrime_adadelta_to_plain_sgd",
        origin="DeepCrime test_models/mnist_conv.py with operator change_optimisation_function "
        "(operators/optimiser_operators.py)",
        category="learning rate",
        dataset="digits",
        split="held",
        fault="Adadelta(learning_rate=1.0) replaced by 'sgd' (Keras's SGD: 0.01, no momentum)",
        fix="Adadelta(learning_rate=1.0)",
        fix_kind="optimizer (too slow)",
        root_causes=("learning_rate_too_low",),
        fix_equivalents=("lr_up",),
        faulty_learning_rate=0.01,
        faulty=_v("deepcrime:mnist_conv_sgd"),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator",
    ),
    # ------------------------------------------------------------------------- hand-written loss reductions
    Program(
        name="tfe742675d_cross_entropy_summed",
        origin="TheDeepChecker GH_buggy_examples/TFE_742675d; aymericdamien/TensorFlow-Examples commit 742675d "
        "('fix #10', logistic_regression.py)",
        category="loss reduction",
        dataset="digits",
        split="dev",
        fault="cost = -tf.reduce_sum(y*tf.log(activation)): the cross-entropy summed over the batch (and NaN once "
        "a probability underflows to 0)",
        fix="tf.reduce_mean(-tf.reduce_sum(y*tf.log(activation), reduction_indices=1))",
        fix_kind="loss reduction (sum -> mean)",
        root_causes=("loss_summed_over_batch", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("deepchecker:tfe742675d_faulty"),
        fixed=_v("deepchecker:tfe742675d_fixed"),
        overrides=("train.batch_size=100", "train.epochs=25"),
        note="both losses are plain functions (unregistered); a lower rate is equivalent to dividing by the batch",
    ),
    Program(
        name="tfebc09f95_loss_reduce_sum",
        origin="TheDeepChecker GH_buggy_examples/TFE_bc09f95; aymericdamien/TensorFlow-Examples commit bc09f95 "
        "('reduce mean instead of sum', tensorboard_advanced.py)",
        category="loss reduction",
        dataset="fashion",
        split="held",
        fault="loss = tf.reduce_sum(softmax_cross_entropy_with_logits(...)): summed over the batch",
        fix="tf.reduce_mean instead of tf.reduce_sum",
        fix_kind="loss reduction (sum -> mean)",
        root_causes=("loss_summed_over_batch", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("deepchecker:tfebc09f95_faulty"),
        fixed=_v("deepchecker:tfebc09f95_fixed"),
        overrides=("train.batch_size=100", "train.epochs=15"),
        note="reduction='sum' of Keras's CategoricalCrossentropy; the fixed program keeps the example's N(0,1) "
        "weights (issue #255 reports them separately)",
    ),
    Program(
        name="deepchecker_loss_mean_sum_swapped",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_loss_function/baseCNN_wrong_loss.py",
        category="loss reduction",
        dataset="fashion",
        split="dev",
        fault="hand-written cross-entropy averaged over the classes and summed over the batch (mean and sum "
        "swapped), after a hand-written softmax",
        fix="softmax_cross_entropy on the logits (sum over classes, mean over the batch: the clean program)",
        fix_kind="loss reduction (sum and mean swapped)",
        root_causes=("loss_summed_over_batch", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("deepchecker:base_cnn_mean_sum_swapped"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="a Loss subclass (reduction='sum') and a Lambda softmax; an injected fault (TheDeepChecker's "
        "synthetic set)",
    ),
    # ------------------------------------------------------------------------------- epochs and batch size
    Program(
        name="movie_reviews_four_epochs_no_dropout",
        origin="DeepLocalize Benchmark/GitHub MovieReviews_Keras (tautvydasversockas/MovieReviews_Keras 59119a2); "
        "DeepFD no. 50",
        category="epochs/batch",
        dataset="fashion",
        split="dev",
        fault="16-16 ReLU MLP trained four epochs, without dropout",
        fix="seven epochs and Dropout(0.5) after each hidden layer",
        fix_kind="epochs (and dropout)",
        root_causes=("undertrained", "overfitting"),
        fix_equivalents=("epochs",),
        faulty=_v("deeplocalize:movie_reviews_faulty", "train.epochs=4"),
        fixed=_v("deeplocalize:movie_reviews_fixed", "train.epochs=7"),
        overrides=("train.batch_size=64",),
        note="IMDB bags of 10,000 words, 2 classes -> 16 px Fashion-MNIST, 10 classes (softmax output); batches of "
        "512 of 15,000 (30 steps an epoch) -> 64 of ~1,530 (24 steps)",
    ),
    Program(
        name="deepcrime_disable_batching",
        origin="DeepCrime test_models/mnist_conv.py with operator disable_batching "
        "(operators/hyperparams_operators.py)",
        category="epochs/batch",
        dataset="digits",
        split="held",
        fault="batch_size = the whole training set: one update an epoch, 12 in all",
        fix="batch_size=128",
        fix_kind="batch size (too large for the epochs)",
        root_causes=("undertrained", "learning_rate_too_low"),
        fix_equivalents=("epochs", "lr_up"),
        faulty_learning_rate=1.0,
        faulty=_v("deepcrime:mnist_conv", "train.batch_size=2000"),
        fixed=_v("deepcrime:mnist_conv", "train.batch_size=128"),
        overrides=("train.epochs=12",),
        note="a mutant of a real-fault operator",
    ),
    Program(
        name="deepcrime_two_epochs",
        origin="DeepCrime test_models/mnist_conv.py with operator change_epochs (operators/hyperparams_operators.py)",
        category="epochs/batch",
        dataset="fashion",
        split="dev",
        fault="12 epochs cut to 2",
        fix="12 epochs",
        fix_kind="epochs",
        root_causes=("undertrained",),
        fix_equivalents=("epochs",),
        faulty=_v("deepcrime:mnist_conv", "train.epochs=2"),
        fixed=_v("deepcrime:mnist_conv", "train.epochs=12"),
        overrides=("train.batch_size=128",),
        note="a mutant of a real-fault operator",
    ),
    # ------------------------------------------------------------------------------------------- capacity
    Program(
        name="kerasma_missing_dense_layers",
        origin="DeepLocalize Benchmark/GitHub kerasma (eangelou/kerasma 2a2a46f); DeepFD no. 57; Defects4ML bugs/027",
        category="capacity",
        dataset="digits",
        split="dev",
        fault="MLP with two small hidden layers (12, 8): missing dense layers",
        fix="hidden layers 12-24-120-36-12",
        fix_kind="capacity (layers)",
        root_causes=("insufficient_capacity",),
        faulty=_v("deeplocalize:kerasma_faulty"),
        fixed=_v("deeplocalize:kerasma_fixed"),
        overrides=("train.batch_size=10", "train.epochs=15"),
        note="8 diabetes features, one sigmoid output -> 256 pixels, 10 classes (softmax): the 8-unit layer is then "
        "narrower than the classes; 150 epochs -> 15",
    ),
    # ---------------------------------------------------------- frozen layers, regularisation, batch normalisation
    Program(
        name="keras2506_every_layer_frozen",
        origin="GitHub keras-team/keras#2506",
        category="regularization/frozen/bn",
        dataset="digits",
        split="dev",
        fault="every layer of the mnist_cnn example trainable=False (accuracy 0.10)",
        fix="leave the layers trainable",
        fix_kind="frozen layers",
        root_causes=("frozen_layers",),
        faulty=_v("issues:keras2506_faulty"),
        fixed=_v("issues:keras2506_fixed"),
        overrides=("train.batch_size=128", "train.epochs=14"),
        note="Keras 1's Adadelta() ran at lr=1.0: written out",
    ),
    Program(
        name="keras7177_batchnorm_few_updates",
        origin="GitHub keras-team/keras#7177 (datumbox's diagnosis)",
        category="regularization/frozen/bn",
        dataset="fashion",
        split="held",
        fault="BatchNormalization at the default momentum 0.99 after a handful of updates: its moving mean and "
        "variance are far from the data's, so validation and test are poor while training accuracy is fine",
        fix="more updates (batch 32 -> 16, epochs 5 -> 250 in the thread) so the moving statistics converge",
        fix_kind="batch-norm moving statistics (updates)",
        root_causes=("stale_batch_statistics", "undertrained"),
        fix_equivalents=("epochs",),
        faulty=_v("issues:keras7177", "train.batch_size=256", "train.epochs=3"),
        fixed=_v("issues:keras7177", "train.batch_size=16", "train.epochs=15"),
        note="the thread's fine-tuned ResNet50 -> a small CNN with two BatchNormalization layers trained from scratch",
    ),
    Program(
        name="deepchecker_over_regularization",
        origin="TheDeepChecker buggy_synthetic_programs/over_regulariaztion/baseCNN_over_reg.py",
        category="regularization/frozen/bn",
        dataset="digits",
        split="held",
        fault="L2 weight decay 0.1 on every layer",
        fix="L2 1e-5 (the clean program)",
        fix_kind="over-regularisation (L2)",
        root_causes=("over_regularization",),
        faulty=_v("deepchecker:base_cnn_over_regularized"),
        fixed=_v("deepchecker:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    Program(
        name="deepcrime_dropout_0_9",
        origin="DeepCrime test_models/mnist_conv.py with operator change_dropout_rate (operators/dropout_operators.py)",
        category="regularization/frozen/bn",
        dataset="fashion",
        split="dev",
        fault="the dropout before the classifier raised from 0.5 to 0.9",
        fix="dropout 0.5",
        fix_kind="over-regularisation (dropout)",
        root_causes=("over_regularization",),
        faulty=_v("deepcrime:mnist_conv_dropout_09"),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator",
    ),
    # ------------------------------------------------------------------------ gradients and dead or saturated units
    Program(
        name="autotrainer_2af630c4_deep_sigmoid",
        origin="AUTOTRAINER MNIST model_2af630c4 (DeepDiagnosis/ICSE2022 'AUTOTRAINER Model Code/Models_MNIST.py'; "
        "DeepDiagnosis: 'Vanishing Gradient Problem')",
        category="gradients",
        dataset="fashion",
        split="dev",
        fault="LeNet-5 with sigmoid activations and eight more Dense(84) sigmoid layers (11 sigmoid layers deep)",
        fix="ReLU activations (AUTOTRAINER's first vanishing-gradient repair)",
        fix_kind="activations (vanishing gradients)",
        root_causes=("vanishing_gradients", "saturated_activations"),
        faulty=_v("autotrainer:model_2af630c4_faulty"),
        fixed=_v("autotrainer:model_2af630c4_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="the model's training configuration is not published: SGD 0.01 assumed",
    ),
    Program(
        name="autotrainer_tmp_lenet5_uniform_relu_stack",
        origin="AUTOTRAINER MNIST tmp_lenet5 (DeepDiagnosis/ICSE2022 'AUTOTRAINER Model Code/Models_MNIST.py')",
        category="gradients",
        dataset="digits",
        split="held",
        fault="two convolutions and 17 dense ReLU layers, all RandomUniform(-0.05, 0.05): signals and gradients "
        "vanish with depth",
        fix="He initialisation (AUTOTRAINER's initialiser repair)",
        fix_kind="initialisation (vanishing gradients)",
        root_causes=("vanishing_gradients", "poor_initialization", "dying_relu"),
        fix_equivalents=("init",),
        faulty=_v("autotrainer:tmp_lenet5_faulty"),
        fixed=_v("autotrainer:tmp_lenet5_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="the model's training configuration is not published: SGD 0.01 assumed",
    ),
    Program(
        name="traffic_signs_relu_first_layers",
        origin="DeepLocalize Benchmark/GitHub Traffic-Sign-Classifier (ulmefors/Traffic-Sign-Classifier e6a48ce); "
        "DeepFD no. 51; Defects4ML bugs/026",
        category="gradients",
        dataset="fashion",
        split="held",
        fault="ReLU on the first three convolutions (a 1x1 colour transform and two edge layers) of pixels scaled "
        "to -0.5..0.5 by a Lambda layer",
        fix="sigmoid, ELU, ELU on those three layers",
        fix_kind="hidden activations",
        root_causes=("dying_relu", "wrong_hidden_activation"),
        faulty=_v("deeplocalize:traffic_signs_faulty"),
        fixed=_v("deeplocalize:traffic_signs_fixed"),
        overrides=(RAW, "train.batch_size=32", "train.epochs=10"),
        image_size=28,
        note="43 traffic-sign classes at 32 px RGB -> Fashion-MNIST at 28 px; the model scales raw pixels in its "
        "Lambda layer (preprocess.normalize=none); batches of 512 of ~28,000 -> 32 of ~1,530",
    ),
    # ------------------------------------------------------------------------------------------------- data
    Program(
        name="so59325381_test_pixels_unscaled",
        origin="DeepLocalize Benchmark/StackOverflow/59325381 (SO 59325381); DeepFD no. 15; Defects4ML bugs/098",
        category="data",
        dataset="digits",
        split="dev",
        fault="the training pixels are divided by 255, the test pixels are not (the line meant for x_test divides "
        "y_train)",
        fix="x_test = x_test/255 (and one-hot labels with categorical cross-entropy)",
        fix_kind="test split preprocessed differently",
        root_causes=("test_distribution_shift",),
        faulty=_v("deeplocalize:so59325381_faulty", data=test_pixels_unscaled()),
        fixed=_v("deeplocalize:so59325381_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="the y_train/255 half of the fault left out; unscaled test pixels, as the network sees them, are "
        "written as saturated test images; the Correct Code's 2 -> 10 epochs applied to both versions",
    ),
    Program(
        name="so56103207_validation_split_unshuffled",
        origin="Defects4ML bugs/091 (SO 56103207)",
        category="data",
        dataset="fashion",
        split="held",
        fault="data sorted by class and not shuffled before validation_split=0.2: the validation images are all of "
        "the last class(es), never trained on (validation accuracy near 0)",
        fix="shuffle before splitting",
        fix_kind="unrepresentative split",
        root_causes=("unrepresentative_split",),
        faulty=_v("defects4ml:so56103207", data=validation_split_unshuffled()),
        fixed=_v("defects4ml:so56103207"),
        overrides=("train.batch_size=100", "train.epochs=20"),
        note="5 classes at 28 px -> 10 Fashion-MNIST classes at 16 px: the last 20% are the last two classes",
    ),
    Program(
        name="deepcrime_output_classes_overlap",
        origin="DeepCrime test_models/mnist_conv.py with operator make_output_classes_overlap "
        "(operators/training_data_operators.py)",
        category="data",
        dataset="fashion",
        split="dev",
        fault="half of the trousers copied into the 'bag' class: the same images under two labels",
        fix="remove the copies",
        fix_kind="conflicting labels",
        root_causes=("conflicting_labels",),
        faulty=_v("deepcrime:mnist_conv", data=classes_overlap("trouser", "bag")),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator",
    ),
    Program(
        name="deepcrime_change_label",
        origin="DeepCrime test_models/mnist_conv.py with operator change_label (operators/training_data_operators.py)",
        category="data",
        dataset="digits",
        split="held",
        fault="30% of the most frequent class's images labelled as other classes",
        fix="the true labels",
        fix_kind="mislabelled images",
        root_causes=("suspected_label_errors",),
        faulty=_v("deepcrime:mnist_conv", data=labels_changed(0.3)),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator",
    ),
)


def select(split: str = "all", only: str = "") -> list[Program]:
    """The programs of a split ("dev", "held" or "all") whose name contains `only`."""
    return [p for p in PROGRAMS if split in ("all", p.split) and only in p.name]
