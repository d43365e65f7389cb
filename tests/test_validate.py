"""validate: each data problem is found (with every affected file) and healthy data raises nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from cnn_doctor.layout import read_json
from cnn_doctor.report import write_report
from tasks.validate import validate

from helpers import copy_digits, random_png, serious, tree_digest


def run_validate(data: Path, params, layout) -> tuple[dict, dict]:
    validate.fn(data, "", params.validate_params, layout)
    summary = read_json(layout.summary("validate"))
    findings = {f["id"]: f for f in read_json(layout.findings("validate"))}
    return summary, findings


def write_manifest(path: Path, rows: list[tuple], header=("path", "label", "split")) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_healthy_digits_raise_no_warning(digits_folder, fast_params, layout):
    summary, findings = run_validate(digits_folder, fast_params(), layout)
    assert serious(findings) == {}
    assert summary["usable_images"] == 1797 and summary["gated_by"] == []
    results = read_json(layout.expectation_results)
    assert set(results) == {"images", "classes", "dataset"} and all(r["success"] for r in results.values())


def test_corrupt_files_and_empty_class_are_listed_and_source_untouched(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=30)
    (data / "3" / "empty.png").write_bytes(b"")
    (data / "4" / "notes.png").write_text("this is text, not an image")
    good = next((data / "5").iterdir()).read_bytes()
    (data / "5" / "truncated.png").write_bytes(good[: len(good) // 2])
    (data / "empty_class").mkdir()
    (data / "7" / ".DS_Store").write_bytes(b"\0\1")
    before = tree_digest(data)

    summary, findings = run_validate(data, fast_params(), layout)

    assert findings["corrupt_images"]["evidence"]["files"] == ["3/empty.png", "4/notes.png", "5/truncated.png"]
    assert findings["empty_class"]["evidence"]["classes"] == ["empty_class"]
    assert summary["usable_images"] == 300
    assert tree_digest(data) == before


def test_manifest_missing_files_unknown_labels_and_escaping_paths(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=25)
    rows = [(f"{p.parent.name}/{p.name}", p.parent.name, "") for p in sorted(data.rglob("*.png"))]
    rows += [
        ("0/does_not_exist.png", "0", ""),
        ("../../etc/passwd", "1", ""),
        ("1/" + sorted((data / "1").iterdir())[0].name, "", ""),
    ]
    manifest = write_manifest(data / "manifest.csv", rows)

    summary, findings = run_validate(manifest, fast_params(), layout)

    assert findings["missing_files"]["evidence"]["files"] == ["../../etc/passwd", "0/does_not_exist.png"]
    assert findings["missing_files"]["evidence"]["problems"]["../../etc/passwd"] == "outside_root"
    assert "unknown_labels" in findings
    assert summary["usable_images"] == 250


def test_duplicates_conflicts_and_leakage(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=25)
    shutil.copy(data / "2" / sorted((data / "2").iterdir())[0].name, data / "2" / "copy_in_class.png")
    shutil.copy(sorted((data / "6").iterdir())[0], data / "8" / "six_labelled_eight.png")
    rows = [(f"{p.parent.name}/{p.name}", p.parent.name, "train") for p in sorted(data.rglob("*.png"))]
    leaked = sorted((data / "9").iterdir())[0]
    rows.append((f"9/{leaked.name}", "9", "test"))  # the same file listed in train and in test
    shutil.copy(data / "7" / sorted((data / "7").iterdir())[3].name, data / "copy_of_a_seven.png")
    rows.append(("copy_of_a_seven.png", "7", "val"))  # a copy of a training image in validation
    manifest = write_manifest(data / "manifest.csv", rows)

    _, findings = run_validate(manifest, fast_params(), layout)

    duplicates = findings["duplicate_images"]["evidence"]["files"]
    first_two = sorted(path.name for path in (data / "2").iterdir() if path.name != "copy_in_class.png")[0]
    assert {f"2/{first_two}", "2/copy_in_class.png"} <= set(duplicates)
    # a manifest naming one file twice is a mistake to fix: a warning; each copy is named with its match
    assert findings["duplicate_images"]["severity"] == "warning"
    pairs = {
        (frozenset((p["file"], p["matches"])), p["distance"]) for p in findings["duplicate_images"]["evidence"]["pairs"]
    }
    assert (frozenset(("2/copy_in_class.png", f"2/{first_two}")), 0.0) in pairs
    conflict_files = findings["conflicting_labels"]["evidence"]["files"]
    assert "8/six_labelled_eight.png" in conflict_files and len(conflict_files) == 2
    assert findings["split_leakage"]["severity"] == "critical"
    assert findings["split_leakage"]["evidence"]["files"] == ["9/" + leaked.name, "copy_of_a_seven.png"]


def test_imbalance_too_few_and_blank_images(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data")
    for extra in sorted((data / "0").iterdir())[5:]:
        extra.unlink()  # class 0 keeps 5 images: rare and imbalanced
    from PIL import Image

    Image.new("L", (8, 8), 0).save(data / "1" / "blank.png")

    _, findings = run_validate(data, fast_params(), layout)

    assert findings["class_imbalance"]["evidence"]["counts"]["0"] == 5
    assert findings["too_few_images"]["evidence"]["small_classes"] == {"0": 5}
    assert findings["outlier_images"]["evidence"]["files"] == ["1/blank.png"]


def test_mixed_formats_are_information_only(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=25)
    random_png(data / "3" / "bigger.png", seed=1, size=12)
    _, findings = run_validate(data, fast_params(), layout)
    assert findings["mixed_image_formats"]["severity"] == "info"
    assert serious(findings) == {}


def test_gate_follows_fail_on(digits_folder, tmp_path, fast_params, layout):
    data = copy_digits(digits_folder, tmp_path / "data", per_class=25)
    (data / "0" / "broken.png").write_bytes(b"not a png")
    summary, _ = run_validate(data, fast_params("validate.fail_on=[corrupt_images]"), layout)
    assert summary["gated_by"] == ["corrupt_images"]
    summary, _ = run_validate(data, fast_params(), layout)
    assert summary["gated_by"] == []


def test_folder_without_class_folders_is_a_clear_error(tmp_path, fast_params, layout):
    from cnn_doctor.config import UserError

    random_png(tmp_path / "flat" / "image.png", seed=0)
    with pytest.raises(UserError, match="no class folders"):
        validate.fn(tmp_path / "flat", "", fast_params().validate_params, layout)


def noisy_manifest(digits_folder: Path, target: Path, noise: float, seed: int = 0) -> tuple[Path, set[str]]:
    """A manifest over the digits with a share of labels flipped to another class at random."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rows, flipped = [], set()
    for path in sorted(digits_folder.rglob("*.png")):
        label = path.parent.name
        relative = f"{label}/{path.name}"
        if rng.random() < noise:
            label = str((int(label) + rng.integers(1, 10)) % 10)
            flipped.add(relative)
        rows.append((relative, label, ""))
    return write_manifest(target, [(f"{digits_folder.name}/{p}", lab, s) for p, lab, s in rows]), flipped


# The cnn label model meets the same targets on 4,000 Fashion-MNIST photos with 30% flipped (the slow
# test_label_errors_on_photos_whose_classes_overlap): on the digits it would repeat that test at 3 minutes.
@pytest.mark.parametrize("label_model", ["linear"])
def test_label_errors_found_with_precision_and_recall_above_0_8(
    digits_folder, tmp_path, fast_params, layout, label_model
):
    manifest, flipped = noisy_manifest(digits_folder, digits_folder.parent / "noisy30.csv", noise=0.3)
    _, findings = run_validate(manifest, fast_params(f"validate.label_model={label_model}"), layout)
    finding = findings["suspected_label_errors"]
    flagged = {path.split("digits/", 1)[1] for path in finding["evidence"]["files"]}
    true_positives = len(flagged & flipped)
    assert finding["severity"] == "warning"
    assert true_positives / len(flagged) >= 0.8, "precision"
    assert true_positives / len(flipped) >= 0.8, "recall"
    first = finding["evidence"]["files"][0]
    assert finding["evidence"]["given"][first] != finding["evidence"]["suggested"][first]


@pytest.mark.slow
def test_label_errors_on_photos_whose_classes_overlap(fashion_mnist, fast_params, layout, caplog):
    """4,000 Fashion-MNIST photos, 30% of labels flipped at random, the default (cnn) label model: the issue's
    targets. (Clean, the same photos get at most 1% flagged, as info: tests/test_doctor.py's healthy Fashion-MNIST
    runs hold that, on the validate stage they run anyway.)"""
    import numpy as np
    import pandas as pd

    rows = pd.read_csv(fashion_mnist).query("split == 'train'").reset_index(drop=True)
    classes = sorted(rows["label"].unique())
    rng = np.random.default_rng(0)
    flip = rng.random(len(rows)) < 0.3
    noisy = rows.copy()
    shifted = (noisy.loc[flip, "label"].map(classes.index) + rng.integers(1, len(classes), flip.sum())) % len(classes)
    noisy.loc[flip, "label"] = [classes[i] for i in shifted]
    noisy_file = fashion_mnist.with_name("train-noisy30.csv")
    noisy[["path", "label"]].to_csv(noisy_file, index=False)
    truth = dict(zip(rows["path"], rows["label"]))
    wrong = {path for path, label in zip(noisy["path"], noisy["label"]) if label != truth[path]}

    _, findings = run_validate(noisy_file, fast_params("validate.label_model=cnn"), layout)
    evidence = findings["suspected_label_errors"]["evidence"]
    flagged = set(evidence["files"])
    caught = flagged & wrong
    assert len(caught) / len(flagged) >= 0.85, "precision"
    assert len(caught) / len(wrong) >= 0.8, "recall"
    named = [truth[p] in (evidence["suggested"][p], evidence["could_also_be"].get(p)) for p in caught]
    assert np.mean(named) >= 0.9, "the true label among the suggested"
    assert "retracing" not in caplog.text, "TensorFlow's tracing chatter means nothing to the user"


def test_clean_digits_have_no_label_error_warning(digits_folder, fast_params, layout):
    _, findings = run_validate(digits_folder, fast_params(), layout)
    # a few hard digits may be listed for a look (info), never a warning
    listed = findings.get("suspected_label_errors", {"severity": "info", "evidence": {"estimated_noise_rate": 0.0}})
    assert listed["severity"] == "info" and listed["evidence"]["estimated_noise_rate"] < 0.02


def test_chunks_inspected_in_parallel_give_the_same_manifest(digits_folder, tmp_path, fast_params):
    """More than one chunk runs on a process pool outside Prefect (`dvc repro`): same rows, same order."""
    from cnn_doctor.layout import Layout

    whole, chunked = Layout(tmp_path / "whole"), Layout(tmp_path / "chunked")
    validate.fn(digits_folder, "", fast_params("validate.chunk_size=5000").validate_params, whole)
    validate.fn(digits_folder, "", fast_params("validate.chunk_size=400").validate_params, chunked)
    summary = read_json(chunked.summary("validate"))
    assert summary["usable_images"] == 1797
    assert chunked.manifest.read_bytes() == whole.manifest.read_bytes()


def test_a_small_leak_is_a_warning_that_bounds_its_effect(digits_folder, tmp_path, fast_params, layout):
    """1 copied image among 101 test images can inflate the accuracy by 1% at most: the run goes on."""
    data = copy_digits(digits_folder, tmp_path / "data", per_class=40)
    files = sorted(data.rglob("*.png"))
    rows = [
        (f"{p.parent.name}/{p.name}", p.parent.name, "test" if i % 4 == 0 else "train") for i, p in enumerate(files)
    ]
    train_file = next(path for path, _, split in rows if split == "train")
    shutil.copy(data / train_file, data / "copied.png")
    rows.append(("copied.png", train_file.split("/")[0], "test"))
    summary, findings = run_validate(write_manifest(data / "manifest.csv", rows), fast_params(), layout)
    leak = findings["split_leakage"]
    assert leak["severity"] == "warning" and summary["gated_by"] == []
    assert leak["evidence"]["impact"]["accuracy_bound"] == pytest.approx(1 / 101)
    assert leak["evidence"]["pairs"] == [{"file": "copied.png", "matches": train_file, "distance": 0.0}]
    write_report(layout, ("validate",))  # report.html shows the pair side by side
    assert "Copies, each beside the file it matches" in layout.report_html.read_text()


def test_a_few_copies_in_a_large_set_are_info(digits_folder, tmp_path, fast_params, layout):
    """One extra copy among 251 images over-weights almost nothing: listed for a look, not a warning."""
    data = copy_digits(digits_folder, tmp_path / "data", per_class=25)
    first_two = sorted((data / "2").iterdir())[0]
    shutil.copy(first_two, data / "2" / "copy_in_class.png")
    _, findings = run_validate(data, fast_params(), layout)
    duplicates = findings["duplicate_images"]
    assert duplicates["severity"] == "info" and duplicates["evidence"]["impact"]["accuracy_bound"] < 0.01
    ((pair, distance),) = [
        (frozenset((p["file"], p["matches"])), p["distance"]) for p in duplicates["evidence"]["pairs"]
    ]
    assert pair == {"2/copy_in_class.png", f"2/{first_two.name}"} and distance == 0.0


def test_one_class_relabelled_as_others_is_a_label_error_warning(digits_folder, fast_params, layout):
    """DeepCrime's change_label: 30% of the 3s given other digits' labels. 3% of the images overall (below
    validate.max_label_error_rate), and one way only, so it looked like overlapping pairs: it is one class's
    images labelled away, a warning that names the class."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows, moved = [], set()
    for path in sorted(digits_folder.rglob("*.png")):
        label, relative = path.parent.name, f"{path.parent.name}/{path.name}"
        if label == "3" and rng.random() < 0.3:
            label = str(rng.choice([d for d in range(10) if d != 3]))
            moved.add(relative)
        rows.append((f"{digits_folder.name}/{relative}", label, ""))
    manifest = write_manifest(digits_folder.parent / "three-moved.csv", rows)
    _, findings = run_validate(manifest, fast_params(), layout)
    finding = findings["suspected_label_errors"]
    assert finding["severity"] == "warning" and list(finding["evidence"]["labelled_away"]) == ["3"]
    said_three = {
        path.split("digits/", 1)[1] for path, label in finding["evidence"]["suggested"].items() if label == "3"
    }
    assert len(said_three & moved) >= 0.8 * len(said_three), "the images it sends back to '3' were moved from '3'"


def split_manifest(rows: list[tuple[str, str]], target: Path, shuffled: str | None, flipped: float = 0.0) -> Path:
    """`rows` (path, label) in a manifest split 70/20/10 in turn; the `shuffled` split's labels permuted among its
    own images (a loader that shuffles images without their labels), or `flipped` of all labels changed at random."""
    import numpy as np

    rng = np.random.default_rng(0)
    splits = ["train"] * 7 + ["val"] * 2 + ["test"]
    split_of = [splits[i % len(splits)] for i in range(len(rows))]
    labels = [label for _, label in rows]
    classes = sorted(set(labels))
    if shuffled:
        chosen = [i for i, split in enumerate(split_of) if split == shuffled]
        for index, label in zip(chosen, rng.permutation([labels[i] for i in chosen])):
            labels[index] = label
    for index in np.flatnonzero(rng.random(len(rows)) < flipped):
        labels[index] = classes[(classes.index(labels[index]) + rng.integers(1, len(classes))) % len(classes)]
    return write_manifest(target, [(path, label, split) for (path, _), label, split in zip(rows, labels, split_of)])


@pytest.mark.parametrize("dataset", ["digits", "fashion"])
@pytest.mark.parametrize("fault", ["shuffled_training_labels", "scattered_label_errors", "none"])
def test_a_split_whose_labels_belong_to_other_images_is_labels_misaligned(
    dataset, fault, digits_folder, fashion_mnist, tmp_path, fast_params, layout
):
    """Images shuffled without their labels in the training split only (TheDeepChecker's wrong_labels): named as
    the pairing, `labels_misaligned`, and the cause of the label flags; the same share of mistakes spread over
    every split is annotation noise, and clean labels are neither."""
    import pandas as pd

    if dataset == "digits":
        images = sorted(digits_folder.rglob("*.png"))
        rows = [(f"{digits_folder.name}/{path.parent.name}/{path.name}", path.parent.name) for path in images]
        folder = digits_folder.parent
    else:
        table = pd.read_csv(fashion_mnist).groupby("label").head(150)
        rows = [(f"{fashion_mnist.parent.name}/{path}", label) for path, label in zip(table["path"], table["label"])]
        folder = fashion_mnist.parent.parent
    shuffled = "train" if fault == "shuffled_training_labels" else None
    flipped = 0.4 if fault == "scattered_label_errors" else 0.0
    manifest = split_manifest(rows, folder / f"{dataset}-{fault}.csv", shuffled, flipped)
    _, findings = run_validate(manifest, fast_params(), layout)
    assert ("labels_misaligned" in findings) == (fault == "shuffled_training_labels"), sorted(findings)
    if fault == "shuffled_training_labels":
        assert findings["labels_misaligned"]["evidence"]["split"] == "train"
        report = write_report(layout, ("validate",))
        assert report["leading_finding"] == "labels_misaligned"
        (flags,) = [f for f in report["findings"] if f["id"] == "suspected_label_errors"]
        assert flags["evidence"]["caused_by"] == "labels_misaligned"


@pytest.mark.parametrize("dataset", ["digits", "fashion"])
def test_few_training_rows_are_too_few_images_whatever_the_test_rows(
    dataset, digits_folder, fashion_mnist, layout, fast_params
):
    """DeepCrime's delete_training_data: 90% of one class's training rows gone, its validation and test rows
    kept. The model learns from the training rows: the class is too small and the training set imbalanced, though
    the class's rows in all splits together pass both thresholds."""
    import pandas as pd

    if dataset == "digits":
        images = sorted(digits_folder.rglob("*.png"))
        rows = [(f"{digits_folder.name}/{path.parent.name}/{path.name}", path.parent.name) for path in images]
        table = pd.read_csv(split_manifest(rows, digits_folder.parent / "digits-split.csv", None), dtype={"label": str})
        folder, rare = digits_folder.parent, "3"
    else:
        table = pd.read_csv(fashion_mnist).groupby(["label", "split"]).head(150)
        table["path"] = fashion_mnist.parent.name + "/" + table["path"]
        folder, rare = fashion_mnist.parent.parent, "bag"
    training = table.index[(table["label"] == rare) & (table["split"] == "train")]
    table = table.drop(training[12:])
    manifest = folder / f"{dataset}-few-training-rows.csv"
    table.to_csv(manifest, index=False)
    assert (table["label"] == rare).sum() >= fast_params().validate_params.min_images_per_class
    _, findings = run_validate(manifest, fast_params(), layout)
    assert findings["too_few_images"]["evidence"]["small_classes"] == {rare: 12}
    assert findings["class_imbalance"]["evidence"]["ratio"] > 5
