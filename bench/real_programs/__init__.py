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
(Fashion-MNIST, 180 photos a class). `split` is "dev", "held", "held2", "held3", "held4" or "held5": "dev" and "held"
alternate within each fault category, balanced across the datasets; "held2" to "held5" are a second to a fifth
held-aside set of other programs (added 2026-12-05 to 07, builders in held2.py to held5.py; held3 adds AUTOTRAINER's
demo cases and UMLAUT's user-study programs, BerkeleyHCI/umlaut, to the sources; held4 Zhang et al.'s TensorFlow
program bugs, ForeverZyh/TensorFlow-Program-Bugs, and NeuraLint's synthetic programs, neuralint/neuralint; held5
DeepMufl's Stack Overflow bugs, ali-ghanbari/deepmufl-ase-2023, Keras issue threads and repositories whose history
fixes a fault); nothing may be tuned on "held", "held2", "held3", "held4" or "held5".

Run them with bench/real_programs.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .data_faults import (
    Transform,
    classes_overlap,
    held_out_pixels_unscaled,
    labels_changed,
    labels_misaligned_in_training,
    pixels_floor_divided,
    subset,
    test_pixels_unscaled,
    training_classes_unbalanced,
    training_images_deleted,
    training_images_noisy,
    unbalanced,
    validation_from_training,
    validation_split_unshuffled,
)

FOLDER = Path(__file__).resolve().parent

# Finding ids a good doctor would name for faults no current id fits (root_causes may list them).
PROPOSED_IDS = {
    "missing_batch_normalization": "a deep plain convolutional stack without normalisation layers trains far too "
    "slowly at its learning rate; batch normalisation after the convolutions is the fix",
    "unstable_log_in_loss": "a hand-written cross-entropy takes the log of softmax probabilities without clipping or "
    "an epsilon: one probability that underflows to 0 makes the loss and then every weight NaN; the fix is a clip, "
    "an epsilon, or the library's loss on logits",
    "poor_cnn_architecture": "a network that breaks the design rules its layers rely on (convolution windows shrinking "
    "with depth, filters shrinking, dense layers widening towards the output, pooling left unconnected, dropout "
    "before pooling, biases before batch normalisation): capacity, computation or information wasted",
    "dropout_on_logits": "a dropout layer between the output layer and its softmax: a random half of the class "
    "scores zeroed at every training step (held5, DeepMufl SO 44755431)",
    "batchnorm_wrong_axis": "BatchNormalization normalising over an axis that is not the channels (axis=1 on "
    "channels-last images: the image rows), so its statistics and scales mix positions (held5, DeepMufl SO 57943425)",
    "pixels_zeroed_by_integer_division": "the loader scales an integer image array by 255 (floor division): every "
    "pixel below 255 becomes 0 and the images arrive (almost) blank; the fix is a float conversion before scaling "
    "(held5, keras-team/keras#255)",
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
    split: str  # dev | held | held2 | held3 | held4 | held5
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
DIGITS_5 = ("0", "1", "2", "3", "4")
DEEPMUFL = "ali-ghanbari/deepmufl-ase-2023 a69ba43 Dataset/all-bugs/"

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
    # ---- held2: a second held-aside set (added 2026-12-05; tune nothing on it)
    # --------------------------------------------------------------------------- held2: output activation and loss
    Program(
        name="so38648195_softmax_mse_plain_sgd",
        origin="DeepLocalize Benchmark/StackOverflow/38648195 (SO 38648195; Wardat-ISU/DeepLocalize 297bc34); "
        "DeepFD Benchmark-with-patches.xlsx no. 6",
        category="activation/loss",
        dataset="fashion",
        split="held2",
        fault="Dense(20)-ReLU-Dropout(0.5) x2 and a Dense(3) softmax output trained on mean squared error with plain "
        "SGD ('sgd', 0.01) (loss 0.22, accuracy 0.63)",
        fix="sigmoid output and binary cross-entropy (accuracy 0.76); DeepFD's fault types: activation, loss, epochs",
        fix_kind="output activation and loss",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held2:so38648195_faulty"),
        fixed=_v("held2:so38648195_fixed"),
        overrides=("train.batch_size=20", "train.epochs=20"),
        note="make_multilabel_classification's 20 features and 3 labels -> 256 pixels and 10 Fashion-MNIST classes "
        "(one label an image; the fixed sigmoid units with binary cross-entropy get one-hot rows); the MSE is a Loss "
        "subclass that one-hot encodes",
    ),
    Program(
        name="so34311586_softmax_one_unit_sgd_0_001",
        origin="DeepLocalize Benchmark/StackOverflow/34311586 (SO 34311586; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 9; Defects4ML bugs/084",
        category="activation/loss",
        dataset="digits",
        split="held2",
        fault="XOR network Dense(2)-sigmoid, Dense(3)-sigmoid, Dense(1)-softmax (the one output is always 1) under "
        "mean squared error, SGD(0.001, momentum 0.9, Nesterov), 20 epochs",
        fix="sigmoid output, SGD at 0.1, 10,000 epochs of batches of 4 (DeepLocalize's Correct Code); DeepFD's fault "
        "types: learning rate, activation, initialisation, epochs, batch size",
        fix_kind="output activation, learning rate (too low) and epochs",
        root_causes=("loss_activation_mismatch", "learning_rate_too_low"),
        fix_equivalents=("softmax", "lr_up", "epochs"),
        faulty_learning_rate=0.001,
        faulty=_v("held2:so34311586_faulty", "train.batch_size=32", "train.epochs=20"),
        fixed=_v("held2:so34311586_fixed", "train.batch_size=4", "train.epochs=40"),
        classes=("2", "7"),
        note="the 4 XOR rows -> digits 2 vs 7; Keras's default batch (32) in the faulty fit; 10,000 epochs -> 40; "
        "the fixed single sigmoid unit -> one sigmoid unit per class; decay=1e-6 left out; init='uniform' is "
        "U(-0.05, 0.05)",
    ),
    Program(
        name="so31556268_xor_mae_slow_sgd",
        origin="DeepLocalize Benchmark/StackOverflow/31556268 (SO 31556268; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 3",
        category="activation/loss",
        dataset="digits",
        split="held2",
        fault="XOR network Dense(4)-sigmoid, Dense(1)-sigmoid under mean absolute error with SGD(0.05, momentum "
        "0.11, Nesterov), 1,000 epochs of batches of 4 (loss 0.25, accuracy 0.5)",
        fix="mean squared error with Adam and 10,000 epochs (DeepLocalize, accuracy 1.0); DeepFD's patch: rate 0.1 and "
        "10,000 epochs; DeepFD's fault types: loss, epochs, learning rate, optimizer",
        fix_kind="loss, optimizer (too slow) and epochs",
        root_causes=("learning_rate_too_low", "undertrained", "loss_activation_mismatch"),
        fix_equivalents=("lr_up", "epochs"),
        faulty_learning_rate=0.05,
        faulty=_v("held2:so31556268_faulty", "train.epochs=10"),
        fixed=_v("held2:so31556268_fixed", "train.epochs=40"),
        overrides=("train.batch_size=4",),
        classes=("6", "9"),
        note="the 4 XOR rows -> digits 6 vs 9; 1,000 -> 10 and 10,000 -> 40 epochs; the single sigmoid unit -> one "
        "sigmoid unit per class in both versions (the losses are Loss subclasses that one-hot encode); decay=1e-6 "
        "left out",
    ),
    Program(
        name="ips7_handwritten_bce_on_linear_outputs",
        origin="TheDeepChecker SO_buggy_examples/IPS_7.py (thedeepchecker/thedeepchecker d0a2b3a)",
        category="activation/loss",
        dataset="fashion",
        split="held2",
        fault="MLP Dense(512)-sigmoid with N(0, 1) weights and a linear output, trained on a hand-written binary "
        "cross-entropy -y*log(y_)-(1-y)*log(1-y_) of the linear outputs (log of values outside 0..1: NaN), gradient "
        "descent at 0.05",
        fix="sigmoid_cross_entropy_with_logits on the outputs (the program's commented-out loss)",
        fix_kind="hand-written loss on logits",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held2:ips7_faulty"),
        fixed=_v("held2:ips7_fixed"),
        overrides=("train.batch_size=100", "train.epochs=20"),
        note="both losses are Loss subclasses (summed over the classes, averaged over the batch) that one-hot encode; "
        "no biases, as in the program",
    ),
    Program(
        name="dlt20d1b59_rmse_on_logits",
        origin="Defects4ML bugs/004 (gabrieleangeletti/Deep-Learning-TensorFlow 20d1b59, model.py); TheDeepChecker "
        "GH_buggy_examples/DLT_20d1b59",
        category="activation/loss",
        dataset="digits",
        split="held2",
        fault="the DBN's fine-tuning cost (root-mean-squared error against one-hot labels) computed on the linear "
        "'softmax layer' output: no softmax before the loss; gradient descent 0.01, batches of 10, 10 epochs",
        fix="model_output = tf.nn.softmax(model_output) before the cost (Defects4ML: 'used softmax function in the "
        "right place')",
        fix_kind="missing softmax before a hand-written loss",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held2:dlt20d1b59_faulty"),
        fixed=_v("held2:dlt20d1b59_fixed"),
        overrides=("train.batch_size=10", "train.epochs=10"),
        note="the RBM pre-training left out: the 256-unit ReLU layer starts from Glorot weights; the cost is a plain "
        "function (sqrt of the batch's mean squared error) that one-hot encodes",
    ),
    Program(
        name="deepchecker_softmax_over_batch_axis",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_softmax_impl/baseCNN_wrong_soft.py (clean: "
        "clean_base_programs/baseCNN.py)",
        category="activation/loss",
        dataset="fashion",
        split="held2",
        fault="a hand-written softmax whose reduce_max and reduce_sum run over axis 0 (the images of the batch) "
        "instead of the classes, under a hand-written clipped cross-entropy",
        fix="softmax_cross_entropy on the logits (the clean program)",
        fix_kind="custom layer reducing over the wrong axis",
        root_causes=("wrong_reduction_axis",),
        faulty=_v("held2:base_cnn_softmax_over_batch"),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set: 'a common fault is to set wrong axis for reduction "
        "operation'); the softmax is a Lambda layer, the cross-entropy a Loss subclass",
    ),
    # ------------------------------------------------------------------ held2: learning rate and optimizer
    Program(
        name="tfe368_linear_layers_adam_0_1",
        origin="TheDeepChecker GH_buggy_examples/TFE_368 (aymericdamien/TensorFlow-Examples "
        "examples/3_NeuralNetworks/neural_network_raw.py); fix as in TensorFlow-Examples PR #299 (issues #262, #270)",
        category="learning rate",
        dataset="digits",
        split="held2",
        fault="two Dense(256) hidden layers without activation (a linear model) with N(0, 1) weights and biases, "
        "Adam at 0.1",
        fix="ReLU on the hidden layers and a lower rate (PR #299: 'the learning rate is too large ... typical to set "
        "it somewhere between 1e-2 and 1e-4'; accuracy 92% -> 94%)",
        fix_kind="learning rate (too high) and missing hidden activations",
        root_causes=("learning_rate_too_high", "missing_hidden_activation"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("held2:tfe368_faulty"),
        fixed=_v("held2:tfe368_fixed"),
        overrides=("train.batch_size=128", "train.epochs=30"),
        note="500 steps of 128 MNIST images -> 30 epochs of ~10; the PR's rate range -> 0.001; the N(0, 1) "
        "initialisers kept in the fix (the PR keeps them)",
    ),
    Program(
        name="keras4669_cifar10_cnn_sgd_momentum",
        origin="GitHub keras-team/keras#4669 (and #4066): examples/cifar10_cnn.py",
        category="learning rate",
        dataset="fashion",
        split="held2",
        fault="the cifar10_cnn example with SGD(0.01, momentum 0.9, Nesterov) at batches of 128: accuracy falls or "
        "stays at 0.10, one class predicted for everything",
        fix="RMSprop(lr=0.0001) (fchollet: 'I've changed the default optimizer in this script to RMSprop'; #4066: "
        "Adam at its default rate works)",
        fix_kind="optimizer and learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("held2:keras4669_faulty"),
        fixed=_v("held2:keras4669_fixed"),
        overrides=("train.batch_size=128", "train.epochs=40"),
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 16 px grey; decay=1e-6 left out of both optimizers; 200 epochs of "
        "~390 steps -> 40 of ~10",
    ),
    Program(
        name="deepchecker_adam_0_1_tiny_epsilon",
        origin="TheDeepChecker buggy_synthetic_programs/low_adam_epsilon/baseCNN_low_eps.py (clean: "
        "clean_base_programs/baseCNN.py); pitfalls SO 42327543, SO 50975389 ('bad epsilon ADAM')",
        category="learning rate",
        dataset="fashion",
        split="held2",
        fault="AdamOptimizer(learning_rate=0.1, epsilon=1e-16) in place of gradient descent at 0.1",
        fix="gradient descent at 0.1 (the clean program)",
        fix_kind="optimizer (rate too high, epsilon too small)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("held2:base_cnn_adam_tiny_epsilon"),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) modelled on real posts",
    ),
    # ------------------------------------------------------------------------------ held2: loss reduction
    Program(
        name="ips14_summed_cross_entropy_std1_init",
        origin="TheDeepChecker SO_buggy_examples/IPS_14.py (thedeepchecker/thedeepchecker d0a2b3a)",
        category="loss reduction",
        dataset="digits",
        split="held2",
        fault="softmax regression with truncated_normal (std 1) weights trained on -tf.reduce_sum(y_*tf.log(y)): the "
        "cross-entropy summed over the batch as well as the classes (and NaN once a probability underflows), "
        "gradient descent at 0.01",
        fix="tf.reduce_mean(-tf.reduce_sum(y_*tf.log(y), axis=1)) (the program's comment)",
        fix_kind="loss reduction (sum -> mean)",
        root_causes=("loss_summed_over_batch", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("held2:ips14_faulty"),
        fixed=_v("held2:ips14_fixed"),
        overrides=("train.batch_size=100", "train.epochs=20"),
        note="both losses are plain functions that one-hot encode; the std-1 weights kept in the fix",
    ),
    # ------------------------------------------------------------------------------- held2: input scaling
    Program(
        name="so39525358_unscaled_features_batch_1",
        origin="DeepLocalize Benchmark/StackOverflow/39525358 (SO 39525358; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 11",
        category="normalization",
        dataset="fashion",
        split="held2",
        fault="binary MLP Dense(12)-ReLU, Dense(3)-ReLU, Dense(1)-sigmoid, U(-0.05, 0.05) weights, Adam, on unscaled "
        "features, batches of one (loss 0.67, accuracy 0.62)",
        fix="StandardScaler on the inputs and batches of 10 (DeepLocalize: accuracy 1.0); DeepFD's fault types: "
        "activation, learning rate, missing preprocessing",
        fix_kind="input scaling",
        root_causes=("missing_normalization",),
        fix_equivalents=("normalize",),
        faulty=_v("held2:so39525358", RAW, "train.batch_size=1"),
        fixed=_v("held2:so39525358", "train.batch_size=10"),
        overrides=("train.epochs=15",),
        classes=("dress", "coat"),
        note="3 numeric features -> 256 pixels of dresses vs coats (raw 0-255 pixels in the faulty version); the "
        "sigmoid unit -> one sigmoid unit per class; 150 epochs -> 15",
    ),
    # ------------------------------------------------------------------------------- held2: initialisation
    Program(
        name="deepchecker_random_normal_0_1_init",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_init/baseCNN_random.py (clean: "
        "clean_base_programs/baseCNN.py); pitfalls SO 40147568, SO 43564627 ('bad initialization')",
        category="initialization",
        dataset="digits",
        split="held2",
        fault="random_normal_initializer(stddev=0.1) on every layer ('a dummy initialization with arbitrary standard "
        "deviation that hinders the learning'), a 1024-unit dense layer",
        fix="he_normal hidden layers and Glorot logits (the clean program, 512 units)",
        fix_kind="initialisation",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("held2:base_cnn_random_normal"),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set)",
    ),
    # ---------------------------------------------------------------- held2: gradients and saturated units
    Program(
        name="so39217567_sigmoid_stack_mse",
        origin="DeepLocalize Benchmark/StackOverflow/39217567 (SO 39217567; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 12",
        category="gradients",
        dataset="digits",
        split="held2",
        fault="three Dense(8)-sigmoid layers with N(0, 0.05) weights under mean squared error, plain SGD (0.01), "
        "batches of 50 (accuracy 0.5)",
        fix="ReLU hidden layers, binary cross-entropy, batches of one (DeepLocalize: accuracy 0.97); DeepFD's fault "
        "types: activation, batch size",
        fix_kind="hidden activations, loss and batch size",
        root_causes=("vanishing_gradients", "loss_activation_mismatch"),
        faulty=_v("held2:so39217567_faulty", "train.batch_size=50"),
        fixed=_v("held2:so39217567_fixed", "train.batch_size=4"),
        overrides=("train.epochs=30",),
        note="8 bits mapped to 8 shuffled bits -> 256 pixels and 10 digit classes: the 8-unit layers -> num_classes "
        "units; init='normal' is N(0, 0.05); 1,000 epochs -> 30; the fix's batches of one -> 4 (run time)",
    ),
    # ------------------------------------------------------------------------- held2: epochs and batch size
    Program(
        name="keras_catsdogs_batch_100",
        origin="DeepLocalize Benchmark/GitHub keras_catsdogs (ronnyworm/keras_catsdogs 2380e40); DeepFD no. 54; "
        "Defects4ML bugs/025 and bugs/030",
        category="epochs/batch",
        dataset="fashion",
        split="held2",
        fault="cats-vs-dogs CNN (7x7 convolution, three 20-filter convolutions, four poolings, Adadelta) trained 20 "
        "epochs on batches of 100",
        fix="batches of 50 and a 16-32-32-32 3x3 network (the commit); DeepFD's fault type: batch size; Defects4ML: "
        "suboptimal batch size (030) and network structure (025)",
        fix_kind="batch size (too few updates) and network structure",
        root_causes=("undertrained",),
        fix_equivalents=("epochs",),
        faulty=_v("held2:keras_catsdogs_faulty", "train.batch_size=100"),
        fixed=_v("held2:keras_catsdogs_fixed", "train.batch_size=50"),
        overrides=("train.epochs=20",),
        image_size=64,
        classes=("pullover", "coat"),
        note="64 px RGB cats and dogs -> 64 px Fashion-MNIST pullovers vs coats (the faulty network needs 64 px); "
        "Keras 2's Adadelta() ran at 1.0: written out",
    ),
    # ------------------------------------------------ held2: regularisation and batch normalisation
    Program(
        name="keras7223_conv_l2_0_1",
        origin="GitHub keras-team/keras#7223",
        category="regularization/frozen/bn",
        dataset="fashion",
        split="held2",
        fault="three ReLU convolutions each with kernel_regularizer=l2(0.1): 'the model is not training whatever I do' "
        "(the same model trains to 95% in tflearn)",
        fix="a far smaller L2 weight (the maintainers' reply: 'Is not it a high-l2 problem?'; tflearn's L2 decay "
        "defaults to 0.001)",
        fix_kind="over-regularisation (L2)",
        root_causes=("over_regularization",),
        faulty=_v("held2:keras7223_faulty"),
        fixed=_v("held2:keras7223_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="Embedding + Conv1D(128) over 100 words, 3 classes -> Conv2D(32) over 16 px images, 10 classes (32 "
        "filters for run time); MaxPool1D(3) -> MaxPooling2D(3)",
    ),
    Program(
        name="hotdog_sandwich_dropout_after_every_conv",
        origin="DeepLocalize Benchmark/GitHub hotdog-sandwich (sammyhaq/hotdog-sandwich d45a91e, code/trainModel.py)",
        category="regularization/frozen/bn",
        dataset="digits",
        split="held2",
        fault="three convolutions each followed by Dropout(0.5) before its ReLU, a Dense(120) without activation, "
        "Adam, 15 epochs",
        fix="the commit's network: strided ELU convolutions and a single Dropout(0.2)",
        fix_kind="over-regularisation (dropout) and network structure",
        root_causes=("over_regularization",),
        faulty=_v("held2:hotdog_faulty"),
        fixed=_v("held2:hotdog_fixed"),
        overrides=("train.batch_size=32", "train.epochs=15"),
        image_size=28,
        classes=("4", "9"),
        note="64 px grey food vs sandwich photos (128 px in the fix) -> digits 4 vs 9 at 28 px; the commit's larger "
        "augmented set (5,000 a class) left out",
    ),
    Program(
        name="deepchecker_batchnorm_moving_stats_never_updated",
        origin="TheDeepChecker buggy_synthetic_programs/missing_batchnorm/deepCNN_miss_infer_batchnorm.py (clean: "
        "clean_base_programs/deepCNN.py)",
        category="regularization/frozen/bn",
        dataset="digits",
        split="held2",
        fault="the UPDATE_OPS dependency commented out: batch normalisation's moving mean and variance are never "
        "updated, so inference normalises with 0 and 1 while training used batch statistics",
        fix="run the update ops (the clean program)",
        fix_kind="batch-norm moving statistics (never updated)",
        root_causes=("stale_batch_statistics",),
        faulty=_v("held2:deep_cnn_bn_never_updated"),
        fixed=_v("held2:deep_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) of a common real one; missing update ops -> "
        "BatchNormalization(momentum=1.0); CIFAR-10 32 px RGB -> digits 16 px",
    ),
    # ------------------------------------------------------------------------------------- held2: data
    Program(
        name="deepchecker_images_shuffled_without_labels",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_labels/baseCNN_wrong_lbl.py (clean: "
        "clean_base_programs/baseCNN.py); pitfall SO 41864333 ('unaligned labels and features')",
        category="data",
        dataset="digits",
        split="held2",
        fault="the training data loader shuffles the images but not their labels: after the first epoch no training "
        "image carries its own label (the test loader is right)",
        fix="shuffle images and labels together (the clean program)",
        fix_kind="labels misaligned with images",
        root_causes=("labels_misaligned",),
        faulty=_v("held2:base_cnn", data=labels_misaligned_in_training()),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) of a common real one; written as a manifest whose "
        "training rows carry a permutation of the training labels from the start",
    ),
    Program(
        name="deepchecker_unbalanced_training_data",
        origin="TheDeepChecker buggy_synthetic_programs/unbalanced_data/baseCNN_unb_data.py (clean: "
        "clean_base_programs/baseCNN.py); pitfalls SO 59196793, SO 53358838 ('unbalanced dataset')",
        category="data",
        dataset="fashion",
        split="held2",
        fault="a data loader that keeps 1%, 1%, 2%, 3%, 4% and 5% of classes 0-5 and all of classes 6-9",
        fix="the whole training set (the clean program)",
        fix_kind="class imbalance",
        root_causes=("class_imbalance", "too_few_images"),
        faulty=_v(
            "held2:base_cnn",
            data=unbalanced(
                {"t-shirt_top": 0.01, "trouser": 0.01, "pullover": 0.02, "dress": 0.03, "coat": 0.04, "sandal": 0.05}
            ),
        ),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set); Fashion-MNIST classes 0-5 in label order; at least "
        "5 images a class kept (the shares of 180 round to 2-9)",
    ),
    Program(
        name="deepchecker_augmentation_noise_and_erasing",
        origin="TheDeepChecker buggy_synthetic_programs/wrong_augmentation/baseCNN_wrong_augm.py (clean: "
        "clean_base_programs/baseCNN.py); pitfalls SO 63003693 ('augmented noise is heavy'), SO 41174546",
        category="data",
        dataset="fashion",
        split="held2",
        fault="training batches augmented with uniform noise of +-0.5 on half the pixels and, one batch in two, a "
        "white box over 40-80% of every image: the augmented images leave the data distribution",
        fix="no augmentation (the clean program)",
        fix_kind="augmentation too strong",
        root_causes=("augmentation_too_strong",),
        faulty=_v("held2:base_cnn_wrong_augmentation"),
        fixed=_v("held2:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set); the loader's augmentation is a layer in the model "
        "that acts only while training",
    ),
    # ---- held3: a third held-aside set (added 2026-12-05; tune nothing on it)
    # --------------------------------------------------------------------------- held3: output activation and loss
    Program(
        name="deepchecker_missing_softmax_clipped_log",
        origin="TheDeepChecker buggy_synthetic_programs/missing_softmax/baseCNN_miss_soft.py (clean: "
        "clean_base_programs/baseCNN.py; thedeepchecker/thedeepchecker d0a2b3a)",
        category="activation/loss",
        dataset="digits",
        split="held3",
        fault="the softmax removed (self.probabilities = self.logits): a hand-written cross-entropy takes the log of "
        "the logits clipped to 1e-32..1-1e-32, gradient descent at 0.1",
        fix="tf.losses.softmax_cross_entropy on the logits (the clean program)",
        fix_kind="missing softmax before a hand-written loss",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held3:base_cnn_missing_softmax"),
        fixed=_v("held3:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set: 'to mimic forgetting it'); the cross-entropy is a "
        "Loss subclass that one-hot encodes",
    ),
    Program(
        name="so45442843_softmax_one_unit_mae",
        origin="DeepLocalize Benchmark/StackOverflow/45442843 (SO 45442843; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "Benchmark-with-patches.xlsx no. 26",
        category="activation/loss",
        dataset="digits",
        split="held3",
        fault="one unscaled feature into Dense(1)-sigmoid and Dense(1, init='normal')-softmax (the one softmax output "
        "is always 1) under mean absolute error, RMSprop, 100 epochs of batches of 200 (accuracy 0.50)",
        fix="preprocessing.scale on the inputs, a sigmoid output and binary cross-entropy (DeepLocalize's Correct "
        "Code: accuracy 0.83); DeepFD's patch: MSE and Adam; DeepFD's fault types: loss, optimizer, activation, epochs",
        fix_kind="output activation and loss (and input scaling)",
        root_causes=("loss_activation_mismatch", "missing_normalization"),
        faulty=_v("held3:so45442843_faulty", RAW),
        fixed=_v("held3:so45442843_fixed"),
        overrides=("train.batch_size=16", "train.epochs=30"),
        classes=("3", "5"),
        note="one numeric feature -> 256 pixels of digits 3 vs 5 (raw 0-255 pixels in the faulty version); both "
        "versions keep their one output unit (cnn-doctor gives it a 0/1 label column); 100 epochs of batches of 200 "
        "-> 30 of 16",
    ),
    Program(
        name="dlt0edb182_softmax_output_fed_as_logits",
        origin="TheDeepChecker GH_buggy_examples/DLT_0edb182 (thedeepchecker/thedeepchecker d0a2b3a); "
        "gabrieleangeletti/Deep-Learning-TensorFlow commit 0edb182 ('Fixed cross_entropy computation for conv nets', "
        "models/convolutional_models/conv_net.py)",
        category="activation/loss",
        dataset="fashion",
        split="held3",
        fault="the conv net's cost is tf.nn.softmax_cross_entropy_with_logits(logits=self.softmax_out, ...): the "
        "softmax output fed as logits (softmax applied twice); truncated_normal(0.01) weights, Adam 1e-4, batches of "
        "50, dropout 0.5",
        fix="the commit's hand-written cross-entropy -reduce_mean(y*log(p) + (1-y)*log(1-p)) on softmax_out",
        fix_kind="loss/output mismatch (softmax output as logits)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held3:dlt0edb182_faulty"),
        fixed=_v("held3:dlt0edb182_fixed"),
        overrides=("train.batch_size=50", "train.epochs=30"),
        note="TheDeepChecker's command line (conv2d-5-5-32-1, maxpool-2, conv2d-5-5-64-1, maxpool-2, full-1024, "
        "softmax; Adam 1e-4; dropout 0.5) in both versions, and the small initialisation ded6612 changed later; MNIST "
        "28 px -> Fashion-MNIST 16 px; 10 epochs of ~1,100 steps -> 30 of ~25; the fixed cost is a Loss subclass",
    ),
    # ------------------------------------------------------------------------------------- held3: gradient sign
    Program(
        name="deepchecker_flipped_gradient_sign",
        origin="TheDeepChecker buggy_synthetic_programs/flipped_sign/baseCNN_flip_sign.py (clean: "
        "clean_base_programs/baseCNN.py; thedeepchecker/thedeepchecker d0a2b3a)",
        category="gradient sign",
        dataset="fashion",
        split="held3",
        fault="the gradients of the loss negated (tf.negative) before GradientDescentOptimizer(0.1).apply_gradients: "
        "every step climbs the cross-entropy ('mistaken gradient direction which inverses the problem to "
        "maximization')",
        fix="minimize the loss (the clean program)",
        fix_kind="gradient sign (maximisation)",
        root_causes=("loss_maximized",),
        faulty=_v("held3:base_cnn_flipped_gradient_sign"),
        fixed=_v("held3:base_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) of hand-written gradient code; descent on negated "
        "gradients is written as descent on a negated cross-entropy (a Loss subclass); the L2 penalty of 1e-5, negated "
        "too in the program, keeps its sign here",
    ),
    # ------------------------------------------------------------------------------------ held3: input scaling
    Program(
        name="so47724077_unscaled_census_features",
        origin="DeepLocalize Benchmark/StackOverflow/47724077 (SO 47724077; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 14",
        category="normalization",
        dataset="fashion",
        split="held3",
        fault="unscaled adult-census features (label-encoded categories, ages, weights in the hundreds of thousands) "
        "into Dense(21)-ReLU, Dense(2)-softmax, Adam at its default rate, 50 epochs of batches of 100 (loss 29.97, "
        "accuracy 0.69)",
        fix="StandardScaler on the inputs and Adam(learning_rate=0.01) (DeepFD's patch; DeepLocalize's Correct Code "
        "swaps Adam for SGD: loss 0.55, accuracy 0.76); DeepFD's fault types: optimizer, learning rate, missing "
        "preprocessing, epochs",
        fix_kind="input scaling",
        root_causes=("missing_normalization",),
        fix_equivalents=("normalize",),
        faulty=_v("held3:so47724077_faulty", RAW),
        fixed=_v("held3:so47724077_fixed"),
        overrides=("train.batch_size=100", "train.epochs=30"),
        note="14 census features, 2 classes -> 256 raw pixels of 10 Fashion-MNIST classes; StandardScaler -> "
        "preprocess.normalize=unit; 50 epochs -> 30",
    ),
    Program(
        name="so52800582_unscaled_inputs_sigmoid_layer",
        origin="DeepLocalize Benchmark/StackOverflow/52800582 (SO 52800582; Wardat-ISU/DeepLocalize 297bc34); DeepFD "
        "no. 17",
        category="normalization",
        dataset="digits",
        split="held3",
        fault="inputs from -100 to 100 unscaled into Dense(50)-sigmoid, Dense(50)-ELU, Dense(1) under MSE with Adam, "
        "the whole set as one batch: the sigmoid units saturate (DeepFD: loss 11112e+11)",
        fix="StandardScaler on the inputs (and the targets) (DeepFD's patch; DeepLocalize's Correct Code also puts "
        "ReLU on the first layer); DeepFD's fault type: missing preprocessing",
        fix_kind="input scaling",
        root_causes=("missing_normalization", "saturated_activations"),
        fix_equivalents=("normalize",),
        faulty=_v("held3:so52800582", RAW),
        fixed=_v("held3:so52800582"),
        overrides=("train.batch_size=32", "train.epochs=25"),
        note="a 1-D regression (x -> x**4) re-expressed on images: 256 raw pixels in, a softmax head under categorical "
        "cross-entropy in place of Dense(1) under MSE (the target scaling has no counterpart); 1,000 full-batch "
        "updates -> 25 epochs of ~40 batches of 32",
    ),
    # ----------------------------------------------------------------------------------- held3: initialisation
    Program(
        name="dltded6612_weights_stddev_0_01",
        origin="TheDeepChecker GH_buggy_examples/DLT_ded6612 (thedeepchecker/thedeepchecker d0a2b3a); "
        "gabrieleangeletti/Deep-Learning-TensorFlow commit ded6612 ('changed sttdevs from 0.01 to 0.1 and bias init "
        "from 0.01 to 0.1', models/convolutional_models/conv_net.py)",
        category="initialization",
        dataset="fashion",
        split="held3",
        fault="conv net weights from truncated_normal(stddev=0.01) and biases 0.01: the signal shrinks layer by layer "
        "(Adam 1e-4, batches of 50, dropout 0.5, the clipped hand-written cross-entropy of model.py)",
        fix="stddev 0.1 and biases 0.1 (the commit)",
        fix_kind="initialisation",
        root_causes=("poor_initialization", "vanishing_gradients"),
        fix_equivalents=("init",),
        faulty=_v("held3:dltded6612_faulty"),
        fixed=_v("held3:dltded6612_fixed"),
        overrides=("train.batch_size=50", "train.epochs=30"),
        note="TheDeepChecker's command line (as DLT_0edb182) in both versions; MNIST 28 px -> Fashion-MNIST 16 px; "
        "the cost is a Loss subclass",
    ),
    Program(
        name="tfe333_logistic_regression_randn_init",
        origin="TheDeepChecker GH_buggy_examples/TFE_333/tfe_333_under_test.py (thedeepchecker/thedeepchecker "
        "d0a2b3a; aymericdamien/TensorFlow-Examples issue #333)",
        category="initialization",
        dataset="digits",
        split="held3",
        fault="logistic regression whose weights and biases are np.random.randn (N(0, 1)) under a hand-written "
        "log-softmax cross-entropy, gradient descent at 0.001, 25 epochs of batches of 100: a saturated softmax and "
        "tiny steps",
        fix="the setting of the example it departs from (examples/2_BasicModels/logistic_regression.py): zero weights "
        "and biases, learning rate 0.01",
        fix_kind="initialisation and learning rate (too low)",
        root_causes=("poor_initialization", "learning_rate_too_low"),
        fix_equivalents=("init", "lr_up"),
        faulty_learning_rate=0.001,
        faulty=_v("held3:tfe333_faulty"),
        fixed=_v("held3:tfe333_fixed"),
        overrides=("train.batch_size=100", "train.epochs=25"),
        note="the issue's resolution is not stored: the fix is the example the issue's program modifies; 784 MNIST "
        "pixels -> 256 digit pixels; the cost is a Loss subclass that one-hot encodes",
    ),
    # ----------------------------------------------------------------------- held3: learning rate and optimizer
    Program(
        name="keras13815_adadelta_default_rate",
        origin="GitHub keras-team/keras#13815 (the keras.io mnist_cnn example on TensorFlow 2.1's tf.keras)",
        category="learning rate",
        dataset="fashion",
        split="held3",
        fault="the mnist_cnn example's optimizer=keras.optimizers.Adadelta(): tf.keras's Adadelta defaults to "
        "learning_rate=0.001 (Keras 2.2's to 1.0), so the example reaches 84% instead of 99.25% in its 12 epochs",
        fix="Adadelta(learning_rate=1.0), the rate the example was written for",
        fix_kind="learning rate (too low: a changed default)",
        root_causes=("learning_rate_too_low",),
        fix_equivalents=("lr_up",),
        faulty_learning_rate=0.001,
        faulty=_v("held3:keras13815_faulty"),
        fixed=_v("held3:keras13815_fixed"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="MNIST 28 px -> Fashion-MNIST 16 px; the stored thread shows the report, not its resolution: the cause "
        "named is the default rate the two Keras versions give Adadelta (DeepCrime's copy of the example writes "
        "learning_rate=1.0 out)",
    ),
    Program(
        name="deepchecker_deep_cnn_momentum_rate_0_1",
        origin="TheDeepChecker buggy_synthetic_programs/high_lr/deepCNN_high_lr.py (clean: clean_base_programs/"
        "deepCNN.py; thedeepchecker/thedeepchecker d0a2b3a)",
        category="learning rate",
        dataset="digits",
        split="held3",
        fault="the VGG-like batch-normalised CNN trained with MomentumOptimizer(0.1, 0.9) instead of 0.001 ('we "
        "increase the lr in a way that hinders the learning'), he_uniform kernels, 64 filters in the last block",
        fix="MomentumOptimizer(0.001, 0.9), he_normal kernels, 128 filters (the clean program)",
        fix_kind="learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("held3:deep_cnn_high_lr"),
        fixed=_v("held3:deep_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set) on its deep program (the held split has the same "
        "fault on the base program); CIFAR-10 32 px RGB -> digits 16 px",
    ),
    Program(
        name="autotrainer_demo_oscillating_loss",
        origin="AUTOTRAINER AutoTrainer/demo_case/Oscillating_Loss_Case (model.h5, config.pkl; shiningrain/AUTOTRAINER "
        "03a463e)",
        category="learning rate",
        dataset="fashion",
        split="held3",
        fault="Dense(50)-ReLU, Dense(3)-softmax trained with SGD(lr=0.01, momentum=0.9) on batches of one: the loss "
        "oscillates (AUTOTRAINER's unstable-training demo)",
        fix="Adam at its default setting (AUTOTRAINER's first unstable-training repair, 'adam_1')",
        fix_kind="optimizer (steps too large for batches of one)",
        root_causes=("learning_rate_too_high", "loss_oscillating"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("held3:autotrainer_oscillating_loss_faulty"),
        fixed=_v("held3:autotrainer_oscillating_loss_fixed"),
        overrides=("train.batch_size=1", "train.epochs=8"),
        classes=FASHION_3,
        note="2-feature blobs of 3 classes -> 256 pixels of 3 Fashion-MNIST classes; 200 epochs -> 8 of ~380 steps "
        "(run time); the configuration read from model.h5 and config.pkl",
    ),
    # -------------------------------------------------------------------- held3: regularisation and batch norm
    Program(
        name="deepchecker_deep_cnn_without_batchnorm",
        origin="TheDeepChecker buggy_synthetic_programs/missing_batchnorm/deepCNN_miss_batchnorm.py (clean: "
        "clean_base_programs/deepCNN.py; thedeepchecker/thedeepchecker d0a2b3a)",
        category="regularization/frozen/bn",
        dataset="fashion",
        split="held3",
        fault="every batch normalisation of the VGG-like CNN removed ('the batchnorm layers which are necessary to "
        "stabilize the learning'), MomentumOptimizer(0.001, 0.9), he_uniform kernels, 64 filters in the last block",
        fix="batch normalisation after every convolution and the dense layer (the clean program)",
        fix_kind="missing batch normalisation",
        root_causes=("missing_batch_normalization",),
        faulty=_v("held3:deep_cnn_without_batchnorm"),
        fixed=_v("held3:deep_cnn"),
        overrides=("train.batch_size=64", "train.epochs=15"),
        note="an injected fault (TheDeepChecker's synthetic set); CIFAR-10 32 px RGB -> Fashion-MNIST 16 px",
    ),
    # ------------------------------------------------------------------------------------- held3: gradients
    Program(
        name="autotrainer_demo_gradient_vanish",
        origin="AUTOTRAINER AutoTrainer/demo_case/Gradient_Vanish_Case (model.h5, config.pkl; shiningrain/AUTOTRAINER "
        "03a463e)",
        category="gradients",
        dataset="digits",
        split="held3",
        fault="eight Dense(5) sigmoid layers (He-uniform kernels) and one sigmoid unit under binary cross-entropy, "
        "Adam(lr=0.001), batches of 128: the gradients vanish before they reach the first layers",
        fix="SELU on every layer but the last, lecun_uniform kernels and biases (AUTOTRAINER's first "
        "vanishing-gradient repair, 'selu_1' of its default strategy)",
        fix_kind="hidden activations (vanishing gradients)",
        root_causes=("vanishing_gradients", "saturated_activations"),
        faulty=_v("held3:autotrainer_gradient_vanish_faulty"),
        fixed=_v("held3:autotrainer_gradient_vanish_fixed"),
        overrides=("train.batch_size=16", "train.epochs=30"),
        classes=("3", "8"),
        note="2-feature circles -> 256 pixels of digits 3 vs 8 (the one sigmoid unit kept: a 0/1 label column); 300 "
        "epochs of batches of 128 -> 30 of 16",
    ),
    # ------------------------------------------------------------------------------------------ held3: data
    Program(
        name="deepcrime_delete_training_data",
        origin="DeepCrime test_models/mnist_conv.py with operator delete_training_data "
        "(operators/training_data_operators.py; dlfaults/deepcrime f1f4c8b)",
        category="data",
        dataset="fashion",
        split="held3",
        fault="90% of every class's training images deleted (12-13 a class left); the validation and test images kept",
        fix="the whole training set",
        fix_kind="too few training images",
        root_causes=("too_few_images",),
        faulty=_v("deepcrime:mnist_conv", data=training_images_deleted(0.9)),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator (DeepCrime searches the share; 90% here); written as a manifest, per "
        "class 70% train, 15% validation, 15% test, whose deleted training files are gone",
    ),
    Program(
        name="deepcrime_unbalance_training_data",
        origin="DeepCrime test_models/mnist_conv.py with operator unbalance_train_data "
        "(operators/training_data_operators.py; dlfaults/deepcrime f1f4c8b)",
        category="data",
        dataset="digits",
        split="held3",
        fault="every class with fewer training images than the mean count (four of the ten digits) loses 90% of them; "
        "the validation and test images kept",
        fix="the whole training set",
        fix_kind="class imbalance (training split)",
        root_causes=("class_imbalance",),
        faulty=_v("deepcrime:mnist_conv", data=training_classes_unbalanced(0.9)),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator (DeepCrime searches the share; 90% here); written as a manifest, per "
        "class 70% train, 15% validation, 15% test",
    ),
    Program(
        name="deepcrime_noisy_training_images",
        origin="DeepCrime test_models/mnist_conv.py with operator add_noise (operator_add_noise_to_training_data, "
        "operators/training_data_operators.py; dlfaults/deepcrime f1f4c8b)",
        category="data",
        dataset="digits",
        split="held3",
        fault="Gaussian noise as strong as each image's own pixel spread added to every training image; the validation "
        "and test images stay clean",
        fix="the clean training images",
        fix_kind="training images from another distribution (noise)",
        root_causes=("test_distribution_shift",),
        faulty=_v("deepcrime:mnist_conv", data=training_images_noisy(1.0)),
        fixed=_v("deepcrime:mnist_conv"),
        overrides=("train.batch_size=128", "train.epochs=12"),
        note="a mutant of a real-fault operator at 100% (every training image; noise standard deviation = the image's "
        "pixel standard deviation), clipped to 0-255 to be written as PNG; a manifest, per class 70/15/15",
    ),
    # ---------------------------------------------------------------------------------- held3: several faults
    Program(
        name="umlaut_program_a_raw_pixels_dropout_logits",
        origin="UMLAUT user-study program A: BerkeleyHCI/umlaut pilot_boilerplate.py (28a68d8, session 'ea')",
        category="several faults",
        dataset="fashion",
        split="held3",
        fault="a CIFAR-10 CNN fed raw 0-255 pixels, with Dropout(0.8) after each block and before the logits, and its "
        "logits given to sparse_categorical_crossentropy (from_logits=False); Adam, 10 epochs of batches of 128",
        fix="pixels / 255, dropout 0.2, from_logits=True (the program's three faults undone)",
        fix_kind="input scaling, dropout and loss/output mismatch",
        root_causes=("missing_normalization", "over_regularization", "loss_activation_mismatch"),
        faulty=_v("held3:umlaut_a_faulty", RAW),
        fixed=_v("held3:umlaut_a_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 16 px grey (the VALID convolutions end at 1x1); the fixed dropout is "
        "eval_b.py's 0.2; batches of 128 of 40,000 -> 32 of ~1,260; validation_split=0.2 -> cnn-doctor's split",
    ),
    Program(
        name="umlaut_program_b_linear_layers_negative_rate",
        origin="UMLAUT user-study program B: BerkeleyHCI/umlaut user_eval/eval_b.py (c37e04c, session 'eb')",
        category="several faults",
        dataset="digits",
        split="held3",
        fault="the same CNN with every convolution and dense layer linear, Adam(learning_rate=-1e3) (negative and "
        "huge: gradient ascent), validated on train_images[:100]",
        fix="ReLU hidden layers, Adam at its default rate 0.001, a held-out validation split (the program's three "
        "faults undone)",
        fix_kind="hidden activations, learning rate (negative) and validation split",
        root_causes=("missing_hidden_activation", "loss_maximized", "learning_rate_too_high", "split_leakage"),
        faulty=_v("held3:umlaut_b_faulty", data=validation_from_training(100)),
        fixed=_v("held3:umlaut_b_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="CIFAR-10 32 px RGB -> digits 16 px; batches of 128 of 50,000 -> 32 of ~1,260; the validation images "
        "are copies of 100 training images, written as a manifest (per class 70% train, 15% test)",
    ),
    Program(
        name="umlaut_pilot_negative_sgd_rate_logits",
        origin="UMLAUT pilot program: BerkeleyHCI/umlaut pilot_boilerplate_2.py (4c3ba3c, session 'pilot_2')",
        category="several faults",
        dataset="fashion",
        split="held3",
        fault="Fashion-MNIST MLP Dense(256)-ReLU x2 and logits, SGD(learning_rate=-1e5) (negative and huge), its "
        "logits given to sparse_categorical_crossentropy (from_logits=False); 15 epochs of batches of 256",
        fix="a positive rate (SGD's default 0.01) and from_logits=True (the program's two faults undone)",
        fix_kind="learning rate (negative) and loss/output mismatch",
        root_causes=("loss_maximized", "learning_rate_too_high", "loss_activation_mismatch"),
        faulty=_v("held3:umlaut_pilot2_faulty"),
        fixed=_v("held3:umlaut_pilot2_fixed"),
        overrides=("train.batch_size=32", "train.epochs=15"),
        note="28 px -> 16 px; batches of 256 of 48,000 -> 32 of ~1,260",
    ),
    # ---- held4: a fourth held-aside set (added 2026-12-06; tune nothing on it)
    # ------------------------------------ Zhang et al. (ISSTA 2018), ForeverZyh/TensorFlow-Program-Bugs, IPS subjects
    Program(
        name="zyh_ips1_unclipped_log_summed_cross_entropy",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-1/33712178-buggy/mnist.py and -fix "
        "(SO 33712178; IPS-2, SO 33699174, and IPS-6, SO 39487825, reduce to the same program)",
        category="activation/loss",
        dataset="fashion",
        split="held4",
        fault="the Deep MNIST CNN trained on cross_entropy = -tf.reduce_sum(y_ * tf.log(y_conv)): the log of the "
        "softmax output unclipped (and summed over the batch of 50); once a probability underflows to 0 the loss and "
        "the weights become NaN (Adam 1e-4, dropout 0.5)",
        fix="tf.log(tf.clip_by_value(y_conv, 1e-10, 1.0)) (the accepted answer; IPS-2's answer adds 1e-9 instead)",
        fix_kind="numerically unstable hand-written loss (log of 0)",
        root_causes=("unstable_log_in_loss",),
        faulty=_v("held4:zyh_ips1_faulty"),
        fixed=_v("held4:zyh_ips1_fixed"),
        overrides=("train.batch_size=50", "train.epochs=30"),
        note="MNIST 28 px -> Fashion-MNIST 16 px; 20,000 steps of 50 -> 30 epochs of ~25; the cost is a Loss subclass "
        "(a scalar summed over the batch) that one-hot encodes",
    ),
    Program(
        name="zyh_ips5_gradient_descent_0_1_regression",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-5/39939881-buggy/simple_regression.py "
        "and -fix (SO 39939881)",
        category="learning rate",
        dataset="digits",
        split="held4",
        fault="a linear regression y = w*x + b (zero w and b) on inputs from -8 to 8, mean squared error, "
        "GradientDescentOptimizer(1e-1): the steps overshoot and the loss grows without bound",
        fix="AdamOptimizer(1e-1) (the answer)",
        fix_kind="optimizer (plain gradient descent's steps too large)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("held4:zyh_ips5_faulty"),
        fixed=_v("held4:zyh_ips5_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="a toy regression re-expressed on images: a linear regression of one-hot targets on the 256 pixels (0-1: "
        "their squared norm, like the question's x**2, is well above 1/rate), scored by its largest output; the MSE is "
        "a Loss subclass that one-hot encodes; 100 full-batch steps on 8 points -> 10 epochs of ~40 batches",
    ),
    Program(
        name="zyh_ips10_float16_adam_epsilon",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-10/42064941-buggy/float16_broken.py and "
        "-fix (SO 42064941)",
        category="learning rate",
        dataset="fashion",
        split="held4",
        fault="a float16 network (slim.conv2d 3x3x16 on tf.float16 inputs) trained with AdamOptimizer(1e-3) at its "
        "default epsilon 1e-8, which float16 cannot hold: the update m/(sqrt(v)+eps) divides by zero and the weights "
        "become NaN/inf",
        fix="AdamOptimizer(1e-3, epsilon=1e-4) (the answer)",
        fix_kind="optimizer epsilon (float16 underflow)",
        root_causes=("low_precision_weights",),  # proposed as adam_epsilon_underflow; the id since 2026-12-06
        faulty=_v("held4:zyh_ips10_faulty"),
        fixed=_v("held4:zyh_ips10_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="the question's loss (the mean of the conv output) and zero kernels (which keep a ReLU conv at 0 in both "
        "versions) -> a softmax Dense layer after the conv under categorical cross-entropy, Glorot kernels; every "
        "layer dtype float16; 2 steps of 4 random 16x16x3 images -> 10 epochs of Fashion-MNIST 16 px",
    ),
    Program(
        name="zyh_ips13_l2_beta_1_rate_0_5",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-13/45002504-buggy/"
        "q2_linear_logistic_regression.py and -fix (SO 45002504)",
        category="regularization",
        dataset="digits",
        split="held4",
        fault="softmax (logistic) regression of the heart data, truncated_normal (std 1) weights, loss reduce_mean("
        "entropy + BETA * l2_loss(w)) with BETA = 1, GradientDescentOptimizer(0.5), batches of 7",
        fix="BETA = 0.1 and LEARNING_RATE = 0.01 (the answer)",
        fix_kind="weight decay and learning rate (both too high)",
        root_causes=("over_regularization", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.5,
        faulty=_v("held4:zyh_ips13_faulty"),
        fixed=_v("held4:zyh_ips13_fixed"),
        overrides=("train.batch_size=7", "train.epochs=15"),
        classes=("1", "7"),
        note="9 heart-disease features, 2 classes -> 256 pixels (0-1) of digits 1 vs 7 (the heart features are "
        "unscaled; here the pixels are scaled in both versions); the two softmax outputs kept; 1,000 epochs -> 15 "
        "of ~36 batches of 7; l2_loss(w) = sum(w**2)/2 -> L2(BETA/2)",
    ),
    Program(
        name="zyh_ips15_gradient_descent_0_5_linear_regression",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-15/43636736-buggy/linear_regression.py "
        "and -fix (SO 43636736)",
        category="learning rate",
        dataset="fashion",
        split="held4",
        fault="linear regression Yhat = W X (W = ones, the bias a feature of ones) of 100 points with x from 0 to 99, "
        "MSE = 1/(2T) sum((Y - Yhat)**2), GradientDescentOptimizer(0.5): the loss overflows to inf within a few steps",
        fix="GradientDescentOptimizer(0.0005) (the answer)",
        fix_kind="learning rate (too high)",
        root_causes=("learning_rate_too_high",),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.5,
        faulty=_v("held4:zyh_ips15_faulty"),
        fixed=_v("held4:zyh_ips15_fixed"),
        overrides=("train.batch_size=100", "train.epochs=10"),
        note="a toy regression re-expressed on images: a linear regression of one-hot targets on 256 pixels (0-1), "
        "kernel and bias ones, half the squared error summed over the outputs and averaged over the batch (a Loss "
        "subclass that one-hot encodes), scored by its largest output; 100 full-batch steps -> 10 epochs of ~13 "
        "batches of 100",
    ),
    Program(
        name="zyh_ips17_summed_squares_rate_0_01",
        origin="ForeverZyh/TensorFlow-Program-Bugs 158ba0a StackOverflow/IPS-17/46577203-buggy/linear_regression.py "
        "and -fix (SO 46577203)",
        category="loss reduction",
        dataset="digits",
        split="held4",
        fault="a quadratic model A*x**2 + B*x + C (zero parameters) fitted to 4 points with loss = tf.reduce_sum("
        "tf.square(model - y)) (summed over the batch), GradientDescentOptimizer(0.01): the parameters diverge to NaN",
        fix="GradientDescentOptimizer(0.001) (the answer)",
        fix_kind="learning rate (too high for a summed loss)",
        root_causes=("loss_summed_over_batch", "learning_rate_too_high"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.01,
        faulty=_v("held4:zyh_ips17_faulty"),
        fixed=_v("held4:zyh_ips17_fixed"),
        overrides=("train.batch_size=4", "train.epochs=5"),
        note="a toy regression re-expressed on images: a linear regression of one-hot targets on 256 pixels (0-1), "
        "zero kernel and bias, the squares summed over the batch and the outputs (a Loss subclass that one-hot "
        "encodes), batches of 4 as the question's 4 points; 100 full-batch steps -> 5 epochs of ~315",
    ),
    # ---------------------------------------- NeuraLint's synthetic programs (neuralint/neuralint, TF_lenet.py mutants)
    Program(
        name="neuralint_bin_missing_sigmoid",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_bin_missing_sigmoid.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkBinMissingSigmoid)",
        category="activation/loss",
        dataset="digits",
        split="held4",
        fault="the LeNet for a two-class label (y % 2) ending in dense(units=1, activation=None) fed to "
        "tf.losses.log_loss, which takes probabilities: the linear output is no probability",
        fix="a sigmoid on the output unit (NeuraLint's rule: a binary classifier's last layer needs a sigmoid)",
        fix_kind="output activation (missing sigmoid)",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held4:neuralint_bin_missing_sigmoid"),
        fixed=_v("held4:neuralint_bin_sigmoid_log_loss"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("4", "7"),
        note="an injected fault (NeuraLint's synthetic set; the clean program has no binary version, so the fix is "
        "the rule's); MNIST parity -> digits 4 vs 7 (one unit: a 0/1 label column); 5 epochs of 1,875 batches of 32 "
        "-> 20 of ~8; Adam 3e-4 (the program's default --lr); log_loss is a Loss subclass",
    ),
    Program(
        name="neuralint_bin_softmax_on_one_unit",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/"
        "TF_lenet_bin_wrong_last_layer_activation.py' (clean: TF_lenet.py; NeuraLint rule "
        "checkBinWrongLastLayerActivation)",
        category="activation/loss",
        dataset="fashion",
        split="held4",
        fault="the two-class LeNet ending in dense(units=1, activation=tf.nn.softmax) fed to tf.losses.log_loss: the "
        "one softmax output is always 1",
        fix="a sigmoid on the output unit (the rule)",
        fix_kind="output activation (softmax on one unit)",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held4:neuralint_bin_wrong_last_layer_activation"),
        fixed=_v("held4:neuralint_bin_sigmoid_log_loss"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("pullover", "sandal"),
        note="an injected fault (NeuraLint); MNIST parity -> Fashion-MNIST pullover vs sandal at 16 px (one unit: a "
        "0/1 label column); 5 epochs -> 20 of ~8 batches",
    ),
    Program(
        name="neuralint_bin_sigmoid_into_sigmoid_cross_entropy",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_bin_wrong_loss_inputs.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkWrongLossInputs)",
        category="activation/loss",
        dataset="digits",
        split="held4",
        fault="the two-class LeNet ending in dense(units=1, activation=tf.nn.sigmoid) fed to "
        "tf.losses.sigmoid_cross_entropy, which takes logits: the sigmoid is applied twice",
        fix="a linear output unit (logits) into sigmoid_cross_entropy (the rule: the loss takes logits)",
        fix_kind="loss/output mismatch (sigmoid output as logits)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held4:neuralint_bin_wrong_loss_inputs"),
        fixed=_v("held4:neuralint_bin_logits_sigmoid_cross_entropy"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("2", "5"),
        note="an injected fault (NeuraLint); MNIST parity -> digits 2 vs 5 (one unit: a 0/1 label column); "
        "sigmoid_cross_entropy -> BinaryCrossentropy(from_logits=True)",
    ),
    Program(
        name="neuralint_constant_init",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_constant_init.py' (clean: "
        "TF_lenet.py)",
        category="initialization",
        dataset="fashion",
        split="held4",
        fault="kernel_initializer=tf.initializers.constant(0.1) on both convolutions and the dense layer: every unit "
        "of a layer starts equal (no symmetry breaking) and the activations grow with the fan-in",
        fix="tf.layers' default initialiser (the clean program)",
        fix_kind="initialisation (constant)",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("held4:neuralint_constant_init"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST 28 px -> Fashion-MNIST 16 px; 5 epochs of 1,875 batches of 32 -> "
        "20 of ~40; Adam 3e-4",
    ),
    Program(
        name="neuralint_decreasing_window_size",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_decreasing_window_size.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkDecreasingWindowSize)",
        category="architecture",
        dataset="digits",
        split="held4",
        fault="convolution windows 9x9, 6x6 and 3x3 (a third block of 128 filters added): windows shrinking with depth "
        "while the feature maps shrink too",
        fix="the clean program (two 5x5 convolutions)",
        fix_kind="architecture (window sizes)",
        root_causes=("poor_cnn_architecture",),
        faulty=_v("held4:neuralint_decreasing_window_size"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule, not a failure to learn); MNIST -> digits 16 px",
    ),
    Program(
        name="neuralint_disconnected_pooling_layers",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_disconnected_pooling_layers.py' "
        "(clean: TF_lenet.py)",
        category="architecture",
        dataset="fashion",
        split="held4",
        fault="conv2 reads conv1 and the flatten reads conv2: both pooling layers are built but connected to nothing, "
        "so the dense layer takes the full-resolution 64-channel maps (no downsampling)",
        fix="each pooling between its convolution and the next layer (the clean program)",
        fix_kind="architecture (pooling disconnected)",
        root_causes=("poor_cnn_architecture",),
        faulty=_v("held4:neuralint_disconnected_pooling_layers"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> Fashion-MNIST 16 px (the dense layer takes 16x16x64 = 16,384 "
        "inputs)",
    ),
    Program(
        name="neuralint_sigmoid_hidden_activations",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_double_activation.py' (clean: "
        "TF_lenet.py)",
        category="activation/loss",
        dataset="digits",
        split="held4",
        fault="the ReLUs of both convolutions and the dense layer replaced by a separate tf.nn.sigmoid after each "
        "linear layer: saturating hidden activations",
        fix="ReLU activations (the clean program)",
        fix_kind="hidden activations (sigmoid)",
        root_causes=("saturated_activations", "vanishing_gradients"),
        faulty=_v("held4:neuralint_double_activation"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint, 'double activation': an activation layer after a layer that has its own "
        "slot); MNIST -> digits 16 px",
    ),
    Program(
        name="neuralint_dropout_before_batchnorm",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_dropout_before_batchnorm.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkDropoutBeforeBatchnorm)",
        category="regularization/frozen/bn",
        dataset="fashion",
        split="held4",
        fault="after each pooling a dropout (0.35, 0.3) and then a batch normalisation, and dropout 0.25 before the "
        "dense layer's batch normalisation (biasless layers): the statistics batch normalisation learns with dropout "
        "on are not those it meets at inference (variance shift)",
        fix="the clean program (no batch normalisation behind a dropout)",
        fix_kind="layer order (dropout before batch normalisation)",
        root_causes=("dropout_before_batchnorm",),
        faulty=_v("held4:neuralint_dropout_before_batchnorm"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> Fashion-MNIST 16 px; tf.layers.batch_normalization's momentum "
        "0.99, the update ops run",
    ),
    Program(
        name="neuralint_dropout_before_pooling",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_dropout_before_pooling.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkDropoutBeforePooling)",
        category="architecture",
        dataset="digits",
        split="held4",
        fault="a dropout (0.35, 0.3) between each convolution and its max pooling, biasless layers",
        fix="the clean program (dropout after the pooling, at the dense layer only)",
        fix_kind="layer order (dropout before pooling)",
        root_causes=("poor_cnn_architecture",),
        faulty=_v("held4:neuralint_dropout_before_pooling"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule); MNIST -> digits 16 px",
    ),
    Program(
        name="neuralint_increasing_dense_widths",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_increasing_dense_widths.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkIncreasingDenseWidths)",
        category="architecture",
        dataset="fashion",
        split="held4",
        fault="three dense layers widening towards the output (128, 256, 512, each with dropout 0.25) in place of one "
        "of 512",
        fix="the clean program (one dense layer of 512)",
        fix_kind="architecture (dense widths)",
        root_causes=("poor_cnn_architecture",),
        faulty=_v("held4:neuralint_increasing_dense_widths"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule); MNIST -> Fashion-MNIST 16 px",
    ),
    Program(
        name="neuralint_missing_relus",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_missing_relus.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkMissingRelus)",
        category="activation/loss",
        dataset="digits",
        split="held4",
        fault="both convolutions with activation=None (the dense layer keeps its ReLU)",
        fix="ReLU on the convolutions (the clean program)",
        fix_kind="hidden activations (missing)",
        root_causes=("missing_hidden_activation",),
        faulty=_v("held4:neuralint_missing_relus"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> digits 16 px (the max poolings and the dense ReLU stay "
        "nonlinear)",
    ),
    Program(
        name="neuralint_missing_softmax",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_missing_softmax.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkMissingSoftmax)",
        category="activation/loss",
        dataset="fashion",
        split="held4",
        fault="the logits fed to tf.losses.log_loss (element-wise binary log loss on probabilities) against one-hot "
        "labels: no softmax before a loss that takes probabilities",
        fix="tf.losses.softmax_cross_entropy on the logits (the clean program)",
        fix_kind="missing softmax before the loss",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held4:neuralint_missing_softmax"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> Fashion-MNIST 16 px; log_loss is a Loss subclass that one-hot "
        "encodes",
    ),
    Program(
        name="neuralint_initializer_run_every_epoch",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_multiple_inits.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkMultipleInits)",
        category="training length",
        dataset="digits",
        split="held4",
        fault="sess.run(tf.global_variables_initializer()) inside the epoch loop: every epoch starts again from new "
        "random weights (and a new Adam state), so the model it ends with has trained for one epoch",
        fix="initialise once, before the loop (the clean program)",
        fix_kind="training loop (weights reset every epoch)",
        root_causes=("undertrained",),
        fix_equivalents=("epochs",),
        faulty=_v("held4:neuralint_lenet", "train.epochs=1"),
        fixed=_v("held4:neuralint_lenet", "train.epochs=20"),
        overrides=("train.batch_size=32",),
        note="an injected fault (NeuraLint) of the training loop, which cnn-doctor owns: re-expressed as what the "
        "program ends with, one epoch of training (the fix: the 20 epochs every program here gets); MNIST -> digits "
        "16 px",
    ),
    Program(
        name="neuralint_non_increasing_filters",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_non_increasing_filters.py' "
        "(clean: TF_lenet.py; NeuraLint rule checkNonIncreasingFilters)",
        category="architecture",
        dataset="fashion",
        split="held4",
        fault="filters shrinking with depth: 32, 16 and a third block of 8 (5x5, pooled) before the dense layer",
        fix="the clean program (32 then 64 filters)",
        fix_kind="architecture (filters shrinking)",
        root_causes=("poor_cnn_architecture", "insufficient_capacity"),
        faulty=_v("held4:neuralint_non_increasing_filters"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule); MNIST -> Fashion-MNIST 16 px (2x2x8 = 32 features reach "
        "the dense layer, 3x3x8 at 28 px)",
    ),
    Program(
        name="neuralint_non_zero_biases",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_non_zeros_biases.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkNonZeroBiases)",
        category="initialization",
        dataset="digits",
        split="held4",
        fault="bias_initializer='ones' on both convolutions",
        fix="zero biases (the clean program)",
        fix_kind="initialisation (biases)",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("held4:neuralint_non_zeros_biases"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule); MNIST -> digits 16 px",
    ),
    Program(
        name="neuralint_redundant_softmax_log_loss",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_redundant_activation.py' "
        "(clean: TF_lenet.py)",
        category="activation/loss",
        dataset="fashion",
        split="held4",
        fault="a softmax output layer, tf.nn.softmax applied again to it, and the twice-softmaxed output fed to "
        "tf.losses.log_loss: probabilities squeezed towards 1/10",
        fix="logits into tf.losses.softmax_cross_entropy (the clean program)",
        fix_kind="loss/output mismatch (softmax twice)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held4:neuralint_redundant_activation"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> Fashion-MNIST 16 px; the second softmax and log_loss are one "
        "Loss subclass that one-hot encodes",
    ),
    Program(
        name="neuralint_bias_before_batchnorm",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_useless_bias.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkUselessBias)",
        category="architecture",
        dataset="digits",
        split="held4",
        fault="a batch normalisation after each convolution and the dense layer, which keep their biases (the "
        "normalisation subtracts them: useless parameters)",
        fix="the clean program",
        fix_kind="architecture (bias before batch normalisation)",
        root_causes=("poor_cnn_architecture",),
        faulty=_v("held4:neuralint_useless_bias"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint: a design rule); MNIST -> digits 16 px; the update ops run",
    ),
    Program(
        name="neuralint_softmax_output_into_logits_loss",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_wrong_loss_inputs.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkWrongLossInputs)",
        category="activation/loss",
        dataset="fashion",
        split="held4",
        fault="a softmax output layer fed to tf.losses.softmax_cross_entropy, which takes logits (softmax applied "
        "twice)",
        fix="a linear output layer (the clean program)",
        fix_kind="loss/output mismatch (softmax output as logits)",
        root_causes=("loss_activation_mismatch",),
        faulty=_v("held4:neuralint_wrong_loss_inputs"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> Fashion-MNIST 16 px; softmax_cross_entropy -> "
        "CategoricalCrossentropy(from_logits=True)",
    ),
    Program(
        name="neuralint_zeros_init",
        origin="neuralint/neuralint 'sample_buggy_scripts/Synthetic Samples/TF_lenet_zeros_init.py' (clean: "
        "TF_lenet.py; NeuraLint rule checkConstantInit)",
        category="initialization",
        dataset="digits",
        split="held4",
        fault="kernel_initializer='zeros' on both convolutions and the dense layer: with zero biases every ReLU "
        "output and every gradient below the logits is zero",
        fix="tf.layers' default initialiser (the clean program)",
        fix_kind="initialisation (zeros)",
        root_causes=("poor_initialization",),
        fix_equivalents=("init",),
        faulty=_v("held4:neuralint_zeros_init"),
        fixed=_v("held4:neuralint_lenet"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        note="an injected fault (NeuraLint); MNIST -> digits 16 px",
    ),
    # ---- held5: a fifth held-aside set (added 2026-12-07; tune nothing on it)
    # ------------------------------------------------------------------------------------- held5: data and training
    Program(
        name="keras6914_mnist_mlp_raw_pixels",
        origin="GitHub keras-team/keras#6914 ('MNIST not learning'; its model: keras examples/mnist_mlp.py)",
        category="normalization",
        dataset="fashion",
        split="held5",
        fault="the Keras MNIST MLP example (Dense 512-512 ReLU, dropout 0.2, softmax, RMSprop) trained on Kaggle's "
        "MNIST pixels as read, 0-255: accuracy stays near 30%",
        fix="x_train /= 255 and x_test /= 255 (the poster: 'it turns out I didn't normalize the input')",
        fix_kind="input scaling",
        root_causes=("missing_normalization",),
        fix_equivalents=("normalize",),
        faulty=_v("held5:keras6914_mnist_mlp", RAW),
        fixed=_v("held5:keras6914_mnist_mlp"),
        overrides=("train.batch_size=128", "train.epochs=20"),
        note="Kaggle MNIST 28 px -> Fashion-MNIST 16 px; 20 epochs of 469 batches of 128 -> 20 of ~10",
    ),
    Program(
        name="keras8346_validation_split_last_class",
        origin="GitHub keras-team/keras#8346 ('Weird test accuracy for VGG-like training')",
        category="data",
        dataset="digits",
        split="held5",
        fault="5 classes stored in class order and fit(validation_split=0.2, shuffle=True): the validation rows are "
        "the last 20% of the arrays, the whole of class 5, never trained on (validation accuracy 0); shuffle=True "
        "shuffles only after the split",
        fix="shuffle the data before fit() (the poster's fix)",
        fix_kind="unrepresentative split",
        root_causes=("unrepresentative_split",),
        faulty=_v("held5:keras8346_vgg_like", data=validation_split_unshuffled(DIGITS_5)),
        fixed=_v("held5:keras8346_vgg_like"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=DIGITS_5,
        note="the poster's images of 5 classes -> digits 0-4 (the last 20%: digit 4); the model is not posted: the "
        "Keras guide's 'VGG-like convnet' (the issue's title) stands in, SGD(0.01, momentum 0.9, Nesterov), decay left "
        "out",
    ),
    Program(
        name="allconv_training_pixels_scaled_twice",
        origin="getcrest/All-Conv-Keras allconv.py 0f42d91 (faulty) and d642d15 'Data Augmentation added' (fix)",
        category="data",
        dataset="fashion",
        split="held5",
        fault="X_train /= 255 and then ImageDataGenerator(rescale=1./255) on the training batches: training pixels "
        "in 0-1/255, while the validation data (X_test /= 255 once, not through the generator) are in 0-1",
        fix="rescale=1./255 removed from the generator (commit d642d15): one scaling for both",
        fix_kind="training and held-out images scaled differently",
        root_causes=("test_distribution_shift", "inputs_scaled_twice"),
        faulty=_v("held5:allconv_sgd_by_name", data=held_out_pixels_unscaled()),
        fixed=_v("held5:allconv_sgd_by_name"),
        overrides=("train.batch_size=32", "train.epochs=20", "augment.zoom=0.2", "augment.flip=horizontal"),
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 16 px; 350 epochs of 1,563 batches -> 20 of ~40; both commits "
        "compile with optimizer='sgd' (Keras's SGD 0.01); the relative scale (held-out pixels 255 times the "
        "training ones) written as saturated validation and test images; shear_range left out",
    ),
    Program(
        name="keras255_integer_division_blank_images",
        origin="GitHub keras-team/keras#255 ('model doesn't learn/weights don't get updated'; the cifar10 example "
        "the thread compares with stands in for the model)",
        category="data",
        dataset="fashion",
        split="held5",
        fault="the images scaled to [0, 1] while the array is still an integer array: the division floors every "
        "pixel below 255 to 0, the network gets (almost) blank images (loss 17.27, accuracy 0.5)",
        fix="the pixels converted to float before dividing by 255 (the poster: 'Now that I properly normalize the "
        "images, the model is learning')",
        fix_kind="images destroyed by the loader's integer arithmetic",
        root_causes=("pixels_zeroed_by_integer_division", "outlier_images"),
        faulty=_v("held5:keras255_cifar10_cnn", data=pixels_floor_divided(("pullover", "sneaker"))),
        fixed=_v("held5:keras255_cifar10_cnn"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("pullover", "sneaker"),
        note="~1,000 game screenshots of 2 classes -> Fashion-MNIST pullovers vs sneakers at 16 px; each image "
        "written as the loader leaves it: 255 where the pixel was 255, else 0; the model is not posted: keras "
        "examples/cifar10_cnn.py of 2015",
    ),
    Program(
        name="morvan_cnn_example_raw_pixels",
        origin="MorvanZhou/tutorials kerasTUT/6-CNN_example.py 2f9eaa3 (faulty) and c642d28 'add data normalization' "
        "(fix); issue MorvanZhou/tutorials#34",
        category="normalization",
        dataset="digits",
        split="held5",
        fault="the tutorial's MNIST CNN (5x5 convolutions 32 and 64, Dense 1024, Adam 1e-4) trained on raw 0-255 "
        "pixels: loss and accuracy do not change (issue #34)",
        fix="X_train.reshape(...)/255. and X_test.reshape(...)/255. (commit c642d28)",
        fix_kind="input scaling",
        root_causes=("missing_normalization",),
        fix_equivalents=("normalize",),
        faulty=_v("held5:morvan_cnn_example", RAW),
        fixed=_v("held5:morvan_cnn_example"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        note="MNIST 28 px -> digits 16 px; one epoch of 1,875 batches of 32 -> 10 epochs of ~40 in both versions",
    ),
    Program(
        name="dm61234347_iris_deep_tanh_one_epoch",
        origin=f"DeepMufl {DEEPMUFL}61234347/bug.py (SO 61234347)",
        category="training length",
        dataset="digits",
        split="held5",
        fault="iris classifier of eight tanh layers (1000 down to 9) and softmax, Adam, model.fit(X_train, y_train) "
        "with no epochs: Keras's default of one epoch",
        fix="train for more epochs (DeepMufl stores the buggy program only; the fix here is re-derived from it)",
        fix_kind="too few epochs",
        root_causes=("undertrained",),
        fix_equivalents=("epochs",),
        faulty=_v("held5:dm61234347_iris_tanh", "train.epochs=1"),
        fixed=_v("held5:dm61234347_iris_tanh", "train.epochs=20"),
        overrides=("train.batch_size=32",),
        classes=("0", "1", "2"),
        note="4 iris features, 3 classes -> 256 pixels of digits 0-2; one epoch of 4 batches of 32 -> one of ~12 "
        "(fixed: 20)",
    ),
    # ---------------------------------------------------------------------------------------------- held5: model
    Program(
        name="dm44755431_dropout_on_logits",
        origin=f"DeepMufl {DEEPMUFL}44755431/bug.py (SO 44755431)",
        category="architecture",
        dataset="fashion",
        split="held5",
        fault="MNIST CNN whose Dense(10) output is followed by Dropout(0.5) and then the softmax: half the logits "
        "zeroed at random every training step",
        fix="no dropout between the output layer and its softmax (re-derived: DeepMufl stores the buggy program only)",
        fix_kind="dropout on the logits",
        root_causes=("dropout_on_logits",),
        faulty=_v("held5:dm44755431_faulty"),
        fixed=_v("held5:dm44755431_fixed"),
        overrides=("train.batch_size=20", "train.epochs=10"),
        image_size=28,
        note="MNIST 28 px -> Fashion-MNIST 28 px (three valid convolutions need it); 5 epochs of 3,000 batches of 20 "
        "-> 10 of ~63",
    ),
    Program(
        name="dm47735201_nin_relu_class_scores",
        origin=f"DeepMufl {DEEPMUFL}47735201/bug.py (SO 47735201)",
        category="activation/loss",
        dataset="fashion",
        split="held5",
        fault="network-in-network CIFAR-10 CNN whose last 1x1 convolution (10 class scores, averaged and then "
        "softmaxed) has a ReLU: scores cannot go below 0 and dead ones stay 0; dropout 0.5 twice",
        fix="a linear class-score convolution (re-derived: DeepMufl stores the buggy program only)",
        fix_kind="ReLU on the logits",
        root_causes=("loss_activation_mismatch", "dying_relu"),
        faulty=_v("held5:dm47735201_faulty"),
        fixed=_v("held5:dm47735201_fixed"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        image_size=32,
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 32 px grey; 200 epochs of 1,250 batches -> 20 of ~40",
    ),
    Program(
        name="dm61498304_lenet_dense_l2_0_01",
        origin=f"DeepMufl {DEEPMUFL}61498304/bug.py (SO 61498304)",
        category="regularization",
        dataset="digits",
        split="held5",
        fault="LeNet-5 with four dense layers (128, 64, 64, 64; kernel_initializer='uniform', dropout 0.2) each "
        "carrying L2(0.01), two softmax outputs, Adam",
        fix="the dense layers without the L2 penalty (re-derived: DeepMufl stores the buggy program only)",
        fix_kind="weight decay too strong",
        root_causes=("over_regularization",),
        faulty=_v("held5:dm61498304_faulty"),
        fixed=_v("held5:dm61498304_fixed"),
        overrides=("train.batch_size=32", "train.epochs=25"),
        classes=("4", "9"),
        image_size=32,
        note="1,000 random 32x32x3 samples of 2 classes -> digits 4 vs 9 at 32 px; 25 epochs kept (~11 batches each)",
    ),
    Program(
        name="dm62055783_l1_first_conv",
        origin=f"DeepMufl {DEEPMUFL}62055783/bug.py (SO 62055783)",
        category="regularization",
        dataset="fashion",
        split="held5",
        fault="7-class facial-expression CNN whose first convolution (64 filters) carries kernel_regularizer=l1(0.01), "
        "dropout 0.5 twice, logits under CategoricalCrossentropy(from_logits=True), Adam",
        fix="the first convolution without the L1 penalty (re-derived: DeepMufl stores the buggy program only)",
        fix_kind="weight decay too strong (L1)",
        root_causes=("over_regularization",),
        faulty=_v("held5:dm62055783_faulty"),
        fixed=_v("held5:dm62055783_fixed"),
        overrides=("train.batch_size=64", "train.epochs=20"),
        classes=("t-shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt"),
        image_size=28,
        note="48 px faces of 7 expressions -> 7 Fashion-MNIST classes at 28 px (the valid convolutions need it); 100 "
        "epochs -> 20",
    ),
    Program(
        name="dm41999686_sigmoid_output_categorical_ce",
        origin=f"DeepMufl {DEEPMUFL}41999686/bug.py (SO 41999686); DeepDiagnosis's message in DeepMufl's RQ1-2/Output "
        "Messages: 'change the activation function to softmax'",
        category="activation/loss",
        dataset="digits",
        split="held5",
        fault="five ReLU dense layers (100-200, kernel_initializer='normal', dropout 0.2) and a 4-unit sigmoid output "
        "under categorical cross-entropy; SGD(0.01, momentum 0.9, Nesterov), 5 epochs",
        fix="a softmax output",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm41999686_faulty"),
        fixed=_v("held5:dm41999686_fixed"),
        overrides=("train.batch_size=32", "train.epochs=5"),
        classes=("0", "1", "2", "3"),
        note="283 features, 4 classes -> 256 pixels of digits 0-3; 5 epochs kept; decay left out",
    ),
    Program(
        name="dm57407973_linear_output_binary_ce",
        origin=f"DeepMufl {DEEPMUFL}57407973/bug.py (SO 57407973)",
        category="activation/loss",
        dataset="digits",
        split="held5",
        fault="five sigmoid dense layers (28-300, kernel_initializer='normal', dropout 0.4-0.5) and one linear output "
        "unit under binary cross-entropy (from_logits=False), Adam",
        fix="a sigmoid on the output unit (re-derived: DeepMufl stores the buggy program only)",
        fix_kind="output activation (missing sigmoid)",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm57407973_faulty"),
        fixed=_v("held5:dm57407973_fixed"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("3", "8"),
        note="28 features, 2 classes -> 256 pixels of digits 3 vs 8 (one unit: a 0/1 label column); 34 epochs -> 20",
    ),
    Program(
        name="dm57943425_batchnorm_rows_axis",
        origin=f"DeepMufl {DEEPMUFL}57943425/bug.py (SO 57943425)",
        category="regularization/frozen/bn",
        dataset="digits",
        split="held5",
        fault="a SmallerVGGNet on channels-last images with BatchNormalization(axis=channel_dimension), "
        "channel_dimension = 1 (the image rows), and Dense(2)+sigmoid under sparse categorical cross-entropy; SGD "
        "1e-3, 5 epochs",
        fix="batch normalisation over the channels (axis -1) and a softmax output (re-derived: DeepMufl stores the "
        "buggy program only)",
        fix_kind="batch normalisation axis and output activation",
        root_causes=("batchnorm_wrong_axis", "loss_activation_mismatch"),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm57943425_faulty"),
        fixed=_v("held5:dm57943425_fixed"),
        overrides=("train.batch_size=32", "train.epochs=5"),
        classes=("0", "6"),
        note="100 random 10x10 samples of 2 classes -> digits 0 vs 6 at 16 px; 5 epochs kept; SGD 1e-3 kept in both "
        "versions (a slow learner either way)",
    ),
    # -------------------------------------------------------------------------------------- held5: loss and optimizer
    Program(
        name="dm68101077_logits_without_from_logits",
        origin=f"DeepMufl {DEEPMUFL}68101077/bug.py (SO 68101077)",
        category="activation/loss",
        dataset="fashion",
        split="held5",
        fault="the TensorFlow Fashion-MNIST tutorial's network (Flatten, Dense 128 ReLU, Dense 10 with no activation) "
        "compiled with loss='sparse_categorical_crossentropy', which takes probabilities (from_logits=False)",
        fix="SparseCategoricalCrossentropy(from_logits=True), as the tutorial has it (or a softmax output)",
        fix_kind="loss/output mismatch (from_logits)",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm68101077_faulty"),
        fixed=_v("held5:dm68101077_fixed"),
        overrides=("train.batch_size=32", "train.epochs=10"),
        image_size=28,
        note="60,000 Fashion-MNIST photos -> 1,800 at 28 px; 10 epochs kept",
    ),
    Program(
        name="dm66602662_categorical_ce_on_one_unit",
        origin=f"DeepMufl {DEEPMUFL}66602662/bug.py (SO 66602662)",
        category="activation/loss",
        dataset="digits",
        split="held5",
        fault="5-class MLP (Dense 32-16-8 ReLU, dropout 0.2) ending in Dense(1, sigmoid) under "
        "CategoricalCrossentropy(from_logits=True): a softmax over one unit is 1, the loss is 0 whatever the weights",
        fix="one softmax unit per class under sparse categorical cross-entropy (re-derived: DeepMufl stores the buggy "
        "program only)",
        fix_kind="loss and output units",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm66602662_faulty"),
        fixed=_v("held5:dm66602662_fixed"),
        overrides=("train.batch_size=24", "train.epochs=20"),
        classes=DIGITS_5,
        note="5 features, 5 classes -> 256 pixels of digits 0-4; 20 epochs of batches of 24 kept; cnn-doctor gives "
        "CategoricalCrossentropy one-hot labels, so the faulty model's one unit fails on the label shape at the first "
        "step (--check: it steps with the class indices the program passes)",
    ),
    Program(
        name="dm41823068_sigmoid_output_rmsprop",
        origin=f"DeepMufl {DEEPMUFL}41823068/bug.py (SO 41823068); DeepDiagnosis's message in DeepMufl's RQ1-2/Output "
        "Messages: 'change the activation function to softmax'",
        category="activation/loss",
        dataset="fashion",
        split="held5",
        fault="Flatten, Dense(256)-ReLU, dropout 0.5 and a 5-unit sigmoid output under categorical cross-entropy, "
        "RMSprop",
        fix="a softmax output",
        fix_kind="output activation",
        root_causes=("loss_activation_mismatch",),
        fix_equivalents=("softmax",),
        faulty=_v("held5:dm41823068_faulty"),
        fixed=_v("held5:dm41823068_fixed"),
        overrides=("train.batch_size=32", "train.epochs=20"),
        classes=("trouser", "dress", "coat", "sandal", "bag"),
        note="10 features, 5 classes -> 5 Fashion-MNIST classes at 16 px; 50 epochs -> 20",
    ),
    Program(
        name="allconv_sgd_by_name_not_object",
        origin="getcrest/All-Conv-Keras allconv.py d642d15 (faulty) and dca8f05 'use correct optimizer object' (fix; "
        "pull request getcrest/All-Conv-Keras#1)",
        category="learning rate",
        dataset="digits",
        split="held5",
        fault="sgd = SGD(...) built but compile(optimizer='sgd'): Keras's default SGD runs (rate 0.01, no momentum, "
        "no Nesterov) and All-CNN-C converges very slowly",
        fix="compile(optimizer=sgd) with SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True) (the pull request)",
        fix_kind="optimizer settings (momentum missing)",
        root_causes=("learning_rate_too_low", "slow_convergence"),
        fix_equivalents=("lr_up",),
        faulty_learning_rate=0.01,
        faulty=_v("held5:allconv_sgd_by_name"),
        fixed=_v("held5:allconv_sgd_object"),
        overrides=("train.batch_size=32", "train.epochs=20", "augment.zoom=0.2"),
        note="CIFAR-10 32 px RGB -> digits 16 px; 350 epochs -> 20 of ~40 batches; the generator's zoom kept, its "
        "horizontal flip (wrong for digits) and shear left out; decay left out",
    ),
    Program(
        name="cifar_vgg_sgd_rate_0_1",
        origin="geifmany/cifar-vgg cifar10vgg.py e7d4bd4; issue geifmany/cifar-vgg#1 ('Loss is NaN and the acc = "
        "~0.10')",
        category="learning rate",
        dataset="fashion",
        split="held5",
        fault="VGG-16 with batch normalisation, dropout and L2(5e-4) trained with SGD(learning_rate=0.1, momentum 0.9, "
        "Nesterov): the loss becomes NaN and accuracy stays at 0.10",
        fix="learning rate 0.01 (the poster: 'I have changed the learning rate to be 0.01 and then it works well')",
        fix_kind="learning rate (too high)",
        root_causes=("learning_rate_too_high", "loss_diverged"),
        fix_equivalents=("lr_down",),
        faulty_learning_rate=0.1,
        faulty=_v("held5:cifar_vgg_rate_0_1"),
        fixed=_v("held5:cifar_vgg_rate_0_01"),
        overrides=(
            "preprocess.normalize=standard",
            "train.batch_size=128",
            "train.epochs=20",
            "augment.rotation=0.042",
            "augment.translation=0.1",
            "augment.flip=horizontal",
        ),
        image_size=32,
        note="CIFAR-10 32 px RGB -> Fashion-MNIST 32 px grey (five poolings need it); the program's standardisation "
        "(training mean and std) as preprocess.normalize=standard; 250 epochs of 390 batches of 128 -> 20 of ~10 (the "
        "halving every 20 epochs never reached); rotation 15 degrees, shifts 0.1 and horizontal flips kept; decay "
        "left out",
    ),
)


def select(split: str = "all", only: str = "") -> list[Program]:
    """The programs of a split ("dev", "held", "held2", "held3", "held4", "held5" or "all") whose name contains
    `only`."""
    return [p for p in PROGRAMS if split in ("all", p.split) and only in p.name]
