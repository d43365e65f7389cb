"""Under bad input: a clear answer, nothing lost, the source untouched.

Every case gives either a validate finding naming the file, or a one-line `UserError` naming the file, key or
value; never a traceback, a hang or a change to the user's folder (checked byte for byte after every case).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from cnn_doctor.config import UserError, load_params
from cnn_doctor.layout import read_json
from tasks.validate import validate

from helpers import FAST, PROJECT_ROOT, random_png, serious

CLASSES = ("0", "1", "2")
PER_CLASS = 20


# --- helpers -----------------------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry under a folder, links not followed: file content hash, link target, or "dir"."""
    state = {}
    for directory, folders, files in os.walk(folder, followlinks=False):
        for name in folders + files:
            path = Path(directory) / name
            key = path.relative_to(folder).as_posix()
            if path.is_symlink():
                state[key] = "link:" + os.readlink(path)
            elif path.is_dir():
                state[key] = "dir"
            elif path.is_file():
                state[key] = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                state[key] = f"special:{os.lstat(path).st_mode:o}"
    return state


@pytest.fixture
def small_digits(digits_folder, tmp_path) -> Path:
    """Three real digit classes of 20 images each: healthy apart from what a test adds."""
    data = tmp_path / "data"
    for label in CLASSES:
        (data / label).mkdir(parents=True)
        for file in sorted((digits_folder / label).iterdir())[:PER_CLASS]:
            shutil.copy(file, data / label / file.name)
    return data


@pytest.fixture
def run_validate(fast_params, layout):
    """Run the validate stage on a source and check the source is byte for byte the same afterwards."""

    def run(source: Path, *overrides: str) -> tuple[dict, dict, pd.DataFrame]:
        root = source if source.is_dir() else source.parent
        before = snapshot(root)
        params = fast_params("validate.label_errors=false", "validate.min_total_images=10", *overrides)
        try:
            validate.fn(source, "", params.validate_params, layout)
            summary = read_json(layout.summary("validate"))
        finally:
            assert snapshot(root) == before, "the source folder was modified"
        findings = {f["id"]: f for f in read_json(layout.findings("validate"))}
        manifest = pd.read_csv(layout.manifest, dtype={"path": "string", "label": "string"}, keep_default_na=False)
        return summary, findings, manifest

    return run


def expect_user_error(action: Callable, root: Path, *named: str) -> str:
    """`action` raises a one-line UserError naming every one of `named`; `root` is left unchanged."""
    before = snapshot(root)
    with pytest.raises(UserError) as error:
        action()
    message = str(error.value)
    assert "\n" not in message, message
    for name in named:
        assert name in message, (name, message)
    assert snapshot(root) == before
    return message


def a_digit(data: Path, label: str = "1") -> Path:
    return sorted((data / label).iterdir())[0]


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims a huge size: a decompression bomb without allocating it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def gradient(size=(24, 24)) -> np.ndarray:
    """A picture with content (pixel std well above validate.min_pixel_std), different from every digit."""
    y, x = np.mgrid[0 : size[0], 0 : size[1]]
    return ((x * 7 + y * 3) % 256).astype(np.uint8)


# --- files that are not (usable) images: corrupt_images, with the file and its error in evidence ---------------


def write_truncated(data):
    good = a_digit(data).read_bytes()
    (data / "1" / "truncated.png").write_bytes(good[: len(good) // 2])
    return "1/truncated.png"


def write_empty(data):
    (data / "1" / "empty.jpg").write_bytes(b"")
    return "1/empty.jpg"


def write_text_as_image(data):
    (data / "1" / "notes.jpeg").write_text("shopping list: milk, eggs\n")
    return "1/notes.jpeg"


def write_html_as_png(data):
    (data / "1" / "page.png").write_text("<!doctype html><title>404 Not Found</title>")
    return "1/page.png"


def write_bomb(data):
    (data / "1" / "enormous.png").write_bytes(png_claiming(100_000, 100_000))  # 10^10 px: Pillow's hard error
    return "1/enormous.png"


def write_large(data):
    (data / "1" / "large.png").write_bytes(png_claiming(10_000, 10_000))  # 10^8 px: Pillow's warning band
    return "1/large.png"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "write, error",
    [
        (write_truncated, ""),
        (write_empty, "UnidentifiedImageError"),
        (write_text_as_image, "UnidentifiedImageError"),
        (write_html_as_png, "UnidentifiedImageError"),
        (write_bomb, "too large"),
        (write_large, "too large"),
    ],
    ids=["truncated", "empty", "text_as_jpeg", "html_as_png", "decompression_bomb", "above_pixel_limit"],
)
def test_undecodable_files_are_corrupt_images(small_digits, run_validate, write, error):
    bad = write(small_digits)
    summary, findings, _ = run_validate(small_digits)
    evidence = findings["corrupt_images"]["evidence"]
    assert evidence["files"] == [bad]
    assert error in evidence["errors"][bad]
    assert summary["usable_images"] == PER_CLASS * len(CLASSES)


def test_pixel_limit_is_pillows_own_setting(small_digits, run_validate, monkeypatch):
    """A lower `PIL.Image.MAX_IMAGE_PIXELS` is honoured: a 64x64 image above it is refused, not decoded."""
    Image.fromarray(np.tile(gradient(), (3, 3))[:64, :64]).save(small_digits / "2" / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 64 - 1)  # 64x64 is in the warning band (1x to 2x)
    _, findings, _ = run_validate(small_digits)
    assert findings["corrupt_images"]["evidence"]["files"] == ["2/big.png"]
    assert "too large" in findings["corrupt_images"]["evidence"]["errors"]["2/big.png"]


# --- unusual but valid images: accepted and converted, never a failure ----------------------------------------


def save_mode(mode: str, name: str, **options) -> Callable[[Path], str]:
    def write(data: Path) -> str:
        gray = gradient()
        rgb = np.stack([gray, gray[::-1], 255 - gray], axis=-1)
        image = {
            "I;16": lambda: Image.fromarray(gray.astype(np.uint16) * 257),
            "RGBA": lambda: Image.fromarray(np.dstack([rgb, gray]), mode="RGBA"),
            "P": lambda: Image.fromarray(rgb).quantize(16),
            "CMYK": lambda: Image.fromarray(rgb).convert("CMYK"),
            "LA": lambda: Image.fromarray(np.dstack([gray, gray]), mode="LA"),
            "1": lambda: Image.fromarray(gray > 128),
        }[mode]()
        if mode == "P" and options.pop("transparent", False):
            image.info["transparency"] = 0
            options["transparency"] = 0
        image.save(data / "1" / name, **options)
        return f"1/{name}"

    return write


@pytest.mark.parametrize(
    "write, mode",
    [
        (save_mode("I;16", "sixteen_bit.png"), "I;16"),
        (save_mode("RGBA", "with_alpha.png"), "RGBA"),
        (save_mode("P", "palette.png"), "P"),
        (save_mode("P", "palette_transparent.png", transparent=True), "P"),
        (save_mode("P", "palette.gif"), "P"),
        (save_mode("CMYK", "print.jpg"), "CMYK"),
        (save_mode("LA", "gray_alpha.png"), "LA"),
        (save_mode("1", "bilevel.bmp"), "1"),
        (save_mode("RGBA", "png_named.jpg", format="PNG"), "RGBA"),  # a PNG named .jpg: read by content
    ],
    ids=["16bit", "rgba", "palette", "palette_transparent", "gif", "cmyk", "gray_alpha", "bilevel", "png_as_jpg"],
)
def test_unusual_image_modes_are_accepted_and_converted(small_digits, run_validate, write, mode):
    from cnn_doctor.data.sources import decode_image

    good = write(small_digits)
    summary, findings, manifest = run_validate(small_digits)
    row = manifest.set_index("path").loc[good]
    assert row["decode_error"] == "" and str(row["usable"]) == "True"
    assert row["mode"] == mode
    assert summary["usable_images"] == PER_CLASS * len(CLASSES) + 1
    assert set(serious(findings)) == set(), serious(findings)  # mixed formats is information only
    decoded = decode_image(small_digits / good)
    assert decoded.mode in ("L", "RGB") and np.asarray(decoded).std() > 20  # content kept, not clipped to white


def test_exif_orientation_is_honoured_the_same_in_validate_and_preprocess(small_digits, run_validate):
    from PIL import ImageOps

    from cnn_doctor.data.decoding import load_image

    stored = np.zeros((8, 16), dtype=np.uint8)  # 16 wide, 8 high; a bright left edge shows the orientation
    stored[:, :4] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = small_digits / "1" / "phone photo.jpg"
    Image.fromarray(stored).save(path, exif=exif.tobytes(), quality=100)

    _, _, manifest = run_validate(small_digits)

    row = manifest.set_index("path").loc["1/phone photo.jpg"]
    assert (int(row["width"]), int(row["height"])) == (8, 16)  # upright, as a viewer shows it
    upright = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("L"))
    assert upright.shape == (16, 8) and upright[:4].mean() > 200  # the bright edge is now on top
    trained_on = load_image(path, (16, 8), channels=1)[..., 0]
    assert np.abs(trained_on.astype(int) - upright).max() <= 1


# --- what is skipped, where images are found, names ----------------------------------------------------------


def test_hidden_files_are_ignored_and_nested_images_take_their_top_folder_label(small_digits, run_validate):
    (small_digits / "1" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (small_digits / "1" / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    (small_digits / "1" / "desktop.ini").write_text("[.ShellClassInfo]")
    (small_digits / "2" / "._resource_fork.png").write_bytes(b"\0\5\26\7")  # macOS AppleDouble
    random_png(small_digits / "2" / ".cache" / "hidden.png", seed=9)
    random_png(small_digits / "0" / "scans" / "2024" / "deep.png", seed=10, size=12)
    random_png(small_digits / "kl\u00e4sse \u4e2d" / "ein bild \u00e9.png", seed=11)
    for seed in range(1, 4):
        random_png(small_digits / "kl\u00e4sse \u4e2d" / f"more {seed}.png", seed=11 + seed)

    summary, findings, manifest = run_validate(
        small_digits, "validate.min_images_per_class=1", "validate.max_imbalance_ratio=100"
    )

    assert not manifest["path"].str.contains(r"(?:^|/)\.|Thumbs|desktop", regex=True).any()
    assert "corrupt_images" not in findings
    labels = dict(zip(manifest["path"], manifest["label"]))
    assert labels["0/scans/2024/deep.png"] == "0"
    assert labels["kl\u00e4sse \u4e2d/ein bild \u00e9.png"] == "kl\u00e4sse \u4e2d"
    assert summary["class_counts"]["kl\u00e4sse \u4e2d"] == 4


def test_loose_images_in_the_root_are_listed_not_lost(small_digits, run_validate):
    random_png(small_digits / "stray.png", seed=3)
    summary, findings, _ = run_validate(small_digits)
    assert findings["unknown_labels"]["evidence"]["files"] == ["stray.png"]
    assert summary["usable_images"] == PER_CLASS * len(CLASSES)


# --- symbolic links: followed inside the root, refused outside it, loops never hang -----------------------------


def test_links_inside_the_root_work_and_links_leaving_it_are_refused(small_digits, tmp_path, run_validate):
    random_png(small_digits / ".originals" / "kept.png", seed=21, size=10)
    (small_digits / "1" / "inside.png").symlink_to("../.originals/kept.png")
    random_png(tmp_path / "elsewhere" / "secret.png", seed=22)
    (small_digits / "1" / "outside.png").symlink_to(tmp_path / "elsewhere" / "secret.png")
    (small_digits / "2" / "outside_folder").symlink_to(tmp_path / "elsewhere")
    (small_digits / "outside_class").symlink_to(tmp_path / "elsewhere")
    (small_digits / "2" / "dangling.png").symlink_to("no_such_file.png")

    summary, findings, _ = run_validate(small_digits)

    problems = findings["missing_files"]["evidence"]["problems"]
    assert problems == {
        "1/outside.png": "outside_root",
        "2/outside_folder": "outside_root",
        "outside_class": "outside_root",
        "2/dangling.png": "missing",
    }
    assert findings["empty_class"]["evidence"]["classes"] == ["outside_class"]
    assert summary["usable_images"] == PER_CLASS * len(CLASSES) + 1  # the link inside the root counts


@pytest.mark.timeout(60)
def test_symlink_loops_neither_hang_nor_crash(small_digits, run_validate):
    (small_digits / "1" / "loop.png").symlink_to("loop.png")
    (small_digits / "1" / "a.png").symlink_to("b.png")
    (small_digits / "1" / "b.png").symlink_to("a.png")
    (small_digits / "2" / "nested").mkdir()
    (small_digits / "2" / "nested" / "up").symlink_to("..")  # a folder link back to its parent
    (small_digits / "0" / "root").symlink_to("..")  # and one back to the dataset root

    summary, findings, _ = run_validate(small_digits)

    assert findings["missing_files"]["evidence"]["problems"] == {
        "1/a.png": "symlink_loop",
        "1/b.png": "symlink_loop",
        "1/loop.png": "symlink_loop",
    }
    assert summary["class_counts"] == {"0": PER_CLASS, "1": PER_CLASS, "2": PER_CLASS}


@pytest.mark.timeout(60)
def test_a_pipe_named_like_an_image_is_not_opened(small_digits, run_validate):
    os.mkfifo(small_digits / "1" / "stream.png")  # opening it would block forever
    _, findings, _ = run_validate(small_digits)
    assert findings["missing_files"]["evidence"]["problems"] == {"1/stream.png": "not_a_file"}


# --- folders ---------------------------------------------------------------------------------------------------


def test_one_class_only_stops_at_the_gate(small_digits, run_validate):
    for label in ("1", "2"):
        shutil.rmtree(small_digits / label)
    summary, findings, _ = run_validate(small_digits)
    assert findings["too_few_images"]["severity"] == "critical"
    assert "a classifier needs two" in findings["too_few_images"]["summary"]
    assert "too_few_images" in summary["gated_by"]


def test_class_of_only_corrupt_files_is_empty_and_its_files_listed(small_digits, run_validate):
    (small_digits / "broken").mkdir()
    (small_digits / "broken" / "a.png").write_bytes(b"")
    (small_digits / "broken" / "b.jpg").write_text("not an image")
    _, findings, _ = run_validate(small_digits)
    assert findings["empty_class"]["evidence"]["classes"] == ["broken"]
    assert findings["corrupt_images"]["evidence"]["files"] == ["broken/a.png", "broken/b.jpg"]


def test_nothing_usable_at_all_is_a_finding_not_a_crash(tmp_path, run_validate):
    data = tmp_path / "data"
    for label in ("cats", "dogs"):
        (data / label).mkdir(parents=True)
        (data / label / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    summary, findings, _ = run_validate(data)
    assert summary["usable_images"] == 0
    assert findings["corrupt_images"]["evidence"]["files"] == ["cats/photo.jpg", "dogs/photo.jpg"]
    assert findings["too_few_images"]["severity"] == "critical" and "too_few_images" in summary["gated_by"]


@pytest.mark.parametrize(
    "make, named",
    [
        (lambda root: random_png(root / "flat.png", seed=0), "no class folders"),
        (lambda root: (root / ".git").mkdir(), "no class folders"),
        (lambda root: None, "no class folders"),
    ],
)
def test_folders_without_classes_are_clear_errors(tmp_path, fast_params, layout, make, named):
    root = tmp_path / "data"
    root.mkdir()
    make(root)
    expect_user_error(lambda: validate.fn(root, "", fast_params().validate_params, layout), root, named, str(root))


def test_a_source_that_is_neither_folder_nor_csv_is_a_clear_error(tmp_path, fast_params, layout):
    archive = tmp_path / "images.zip"
    archive.write_bytes(b"PK\3\4")
    expect_user_error(
        lambda: validate.fn(archive, "", fast_params().validate_params, layout), tmp_path, str(archive), ".csv manifest"
    )


# --- manifests -------------------------------------------------------------------------------------------------


def write_rows(data: Path, lines: list[str], name="manifest.csv", encoding="utf-8", newline="\n") -> Path:
    path = data / name
    path.write_bytes(newline.join(lines).encode(encoding) + newline.encode())
    return path


def good_lines(data: Path) -> list[str]:
    return [f"{p.parent.name}/{p.name},{p.parent.name}" for p in sorted(data.rglob("*.png"))]


def test_manifest_with_bom_crlf_and_capitalised_header_is_read(small_digits, run_validate):
    lines = ["Path,Label,Split"] + [line + "," for line in good_lines(small_digits)]
    manifest = write_rows(small_digits, lines, encoding="utf-8-sig", newline="\r\n")
    summary, findings, _ = run_validate(manifest)
    assert summary["usable_images"] == PER_CLASS * len(CLASSES) and summary["classes"] == list(CLASSES)
    assert serious(findings) == {}


def test_manifest_row_problems_are_findings_naming_each_row(small_digits, tmp_path, run_validate):
    lines = ["path,label"] + good_lines(small_digits)
    random_png(tmp_path / "outside.png", seed=5)
    (small_digits / "escape_link.png").symlink_to(tmp_path / "outside.png")
    inside = a_digit(small_digits, "2")
    lines += [
        "0/does_not_exist.png,0",  # missing
        "../outside.png,1",  # escaping with ..
        "1/../../outside.png,1",  # escaping through a class folder
        str(inside) + ",2",  # absolute, even inside the root
        "escape_link.png,1",  # a link leading out
        f"1/{a_digit(small_digits).name},",  # empty label
        f"1/{a_digit(small_digits).name},   ",  # blank label
        f"2/{inside.name},2",  # the same row twice
        "",  # a blank line
    ]
    manifest = write_rows(small_digits, lines)

    summary, findings, _ = run_validate(manifest)

    assert findings["missing_files"]["evidence"]["problems"] == {
        "0/does_not_exist.png": "missing",
        "../outside.png": "outside_root",
        "1/../../outside.png": "outside_root",
        str(inside): "outside_root",
        "escape_link.png": "outside_root",
    }
    assert findings["unknown_labels"]["evidence"]["files"] == [f"1/{a_digit(small_digits).name}"]
    assert findings["duplicate_images"]["evidence"]["repeated_manifest_rows"] == [  # rows naming a file twice
        f"1/{a_digit(small_digits).name}",
        f"2/{inside.name}",
    ]
    assert summary["usable_images"] == PER_CLASS * len(CLASSES)


@pytest.mark.parametrize(
    "lines, named",
    [
        (["file,class", "1/a.png,1"], "lacks column(s) path, label"),
        (["path;label", "1/a.png;1"], "separator must be a comma"),
        (["path,label,split", "1/a.png,1,train", "1/b.png,1,holdout"], "line 3: split 'holdout'"),
        (["path,label"], "has no rows"),
        ([""], "lacks column(s)"),
        (["path,label", '"1/a.png,1', "1/b.png,1"], "line 3: not valid CSV"),
        (["path,label", '"1/a.png"x,1'], "line 2: not valid CSV"),
    ],
    ids=["no_path_label", "semicolons", "unknown_split", "header_only", "empty", "unclosed_quote", "stray_quote"],
)
def test_manifest_errors_name_the_manifest_and_the_problem(small_digits, lines, named):
    from cnn_doctor.data.sources import read_source

    manifest = write_rows(small_digits, lines)
    expect_user_error(lambda: read_source(manifest), small_digits, str(manifest), named)


def test_manifest_in_another_encoding_is_a_clear_error(small_digits):
    from cnn_doctor.data.sources import read_source

    manifest = write_rows(small_digits, ["path,label", "1/caf\u00e9.png,1"], encoding="latin-1")
    expect_user_error(lambda: read_source(manifest), small_digits, str(manifest), "not UTF-8")


# --- params ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "override, named",
    [
        ("preprocess.test_fraction=-0.1", "preprocess.test_fraction"),
        ("preprocess.val_fraction=0.8", "leave at least 10%"),
        ("preprocess.image_size=[0, 0]", "preprocess.image_size"),
        ("preprocess.image_size=[32]", "preprocess.image_size"),
        ("train.batch_size=0", "train.batch_size"),
        ("train.epochs=2.5", "train.epochs"),
        ("train.learning_rate=0", "train.learning_rate"),
        ("train.learning_rate=.nan", "train.learning_rate"),
        ("augment.flip=diagonal", "augment.flip"),
        ("augment.zoom=1.5", "augment.zoom"),
        ("train=3", "train"),
        ("train.epochs.max=3", "train.epochs.max"),
        ("data.source=2020-13-45", "data.source"),
        ("model.builder=model.py:", "model.builder"),
        ("model.builder=model.txt:build", ".py"),
    ],
)
def test_more_bad_overrides_name_the_key(override, named):
    with pytest.raises(UserError) as error:
        load_params(overrides=[override])
    assert named in str(error.value) and "\n" not in str(error.value)


def test_params_file_with_a_bad_key_names_the_file_and_the_key(tmp_path):
    params_file = tmp_path / "my params.yaml"
    params_file.write_text("train:\n  epochs: 3\n  epoch: 4\n")
    expect_user_error(lambda: load_params(params_file), tmp_path, str(params_file), "train.epoch")
    params_file.write_text("preprocess:\n  0: 1\n")
    expect_user_error(lambda: load_params(params_file), tmp_path, str(params_file), "preprocess.0")


BUILDERS = {
    "syntax_error.py": "def build(input_shape, num_classes)\n    return None\n",
    "import_fails.py": "import no_such_package_anywhere\n",
    "exits.py": "import sys\n\ndef build(input_shape, num_classes):\n    sys.exit('bye')\n",
    "wrong_input.py": textwrap.dedent("""
        import keras

        def build(input_shape, num_classes):
            return keras.Sequential([keras.Input(shape=(99, 99, 7)), keras.layers.Flatten(),
                                     keras.layers.Dense(num_classes, activation="softmax")])
        """),
}


@pytest.mark.parametrize(
    "file_name, named",
    [
        ("syntax_error.py", "importing"),
        ("import_fails.py", "no_such_package_anywhere"),
        ("exits.py", "bye"),
        ("wrong_input.py", "(16, 16, 1)"),
    ],
)
def test_broken_builder_files_are_clear_errors(tmp_path, fast_params, file_name, named):
    from cnn_doctor.training.models import build_model

    (tmp_path / file_name).write_text(BUILDERS[file_name])
    params = fast_params(f"model.builder={tmp_path / file_name}:build")
    message = expect_user_error(
        lambda: build_model(params.model, (16, 16, 1), 3, None), tmp_path, "model.builder", named
    )
    assert file_name in message


# --- the command line: what the user actually sees --------------------------------------------------------------


def fast_sets(*extra: str) -> list[str]:
    return [argument for override in (*FAST, *extra) for argument in ("--set", override)]


def cnn_doctor(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cnn_doctor.commands.cli", *arguments],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
        env={**os.environ, "CI": "true"},
    )


@pytest.mark.slow
def test_cli_reports_a_messy_folder_and_leaves_it_untouched(small_digits, tmp_path):
    (small_digits / "1" / "cut.png").write_bytes(a_digit(small_digits).read_bytes()[:40])
    (small_digits / "2" / "loop.png").symlink_to("loop.png")
    random_png(tmp_path / "private" / "secret.png", seed=7)
    (small_digits / "0" / "leak.png").symlink_to(tmp_path / "private" / "secret.png")
    (small_digits / "0" / ".DS_Store").write_bytes(b"\0")
    before = snapshot(small_digits)

    result = cnn_doctor(
        "run",
        "--data",
        str(small_digits),
        "--out",
        str(tmp_path / "out"),
        *fast_sets("validate.fail_on=[missing_files]", "validate.label_errors=false"),
    )

    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    findings = {f["id"]: f for f in json.loads((tmp_path / "out" / "report.json").read_text())["findings"]}
    assert findings["missing_files"]["evidence"]["problems"] == {
        "0/leak.png": "outside_root",
        "2/loop.png": "symlink_loop",
    }
    assert findings["corrupt_images"]["evidence"]["files"] == ["1/cut.png"]
    assert snapshot(small_digits) == before


def test_cli_turns_a_bad_manifest_into_one_line(small_digits, tmp_path):
    manifest = write_rows(
        small_digits,
        ["path,label,split"] + [line + ",train" for line in good_lines(small_digits)] + ["1/x.png,1,training"],
    )
    before = snapshot(small_digits)

    result = cnn_doctor("run", "--data", str(manifest), "--out", str(tmp_path / "out"), *fast_sets())

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"cnn-doctor: error: manifest {manifest} line {len(good_lines(small_digits)) + 2}: "
        "split 'training' is not one of train, val, test"
    ]
    assert snapshot(small_digits) == before


def test_a_manifest_whose_files_are_all_missing_gets_a_report_led_by_the_paths(tmp_path, fast_params, layout):
    """Every path wrong (a manifest written in another folder than its images): a report naming the paths,
    not a pandas error from the duplicate search, and not "too few images"."""
    from flows.pipeline import PLAIN_CALLS, run_pipeline

    manifest = tmp_path / "elsewhere" / "manifest.csv"
    manifest.parent.mkdir()
    manifest.write_text("path,label\nimages/a.png,cat\nimages/b.png,dog\n")
    report = run_pipeline(PLAIN_CALLS, fast_params(), manifest, "", layout).report
    assert report["status"] == "stopped_by_validation"
    assert report["leading_finding"] == "missing_files"
