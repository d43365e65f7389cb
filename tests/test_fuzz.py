"""Fuzzing the two places where arbitrary user text enters: a CSV manifest and `--set KEY=VALUE`.

Whatever the text, the answer is a parsed result or a one-line `UserError`: never another exception, never a
manifest entry that reaches outside the dataset root, never a change to the user's files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnn_doctor.config import DEFAULT_PARAMS_FILE, Params, UserError, load_params
from cnn_doctor.data.sources import Source, read_manifest

from helpers import random_png, tree_digest

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Cells a manifest writer plausibly produces, good and bad: real files, escapes, odd bytes, odd lengths.
CELLS = st.one_of(
    st.sampled_from(
        [
            "cat/a.png",
            "dog/b.png",
            "cat/../dog/b.png",
            "cat",
            "missing.png",
            "../outside.png",
            "../../etc/passwd",
            "/etc/passwd",
            "link_out.png",
            "loop.png",
            "",
            " ",
            "cat/a.png\x00",
            "x" * 5000,
            "ch\u00e2t/\u00e9t\u00e9 1.png",
            "train",
            "val",
            "test",
            "TEST",
            "bogus",
            "cat",
            "dog",
            '"',
            '""',
            "a,b",
            "C:\\data\\x.png",
        ]
    ),
    st.text(max_size=30),
)
USABLE_HEADERS = st.sampled_from(
    [
        ["path", "label"],
        ["path", "label", "split"],
        ["label", "path"],
        ["Path", " LABEL ", "Split"],
        ["path", "label", "split", "extra"],
    ]
)
HEADERS = st.one_of(  # mostly a usable header, so that the rows themselves get exercised
    USABLE_HEADERS,
    USABLE_HEADERS,
    USABLE_HEADERS,
    st.lists(st.sampled_from(["path", "label", "split", "Path", " LABEL ", "extra", "", "path"]), max_size=4),
)


@st.composite
def manifest_texts(draw) -> str:
    """CSV text, mostly well formed (so that the rows get exercised) with adversarial cells and line endings."""
    rows = [draw(HEADERS)] + draw(st.lists(st.lists(CELLS, min_size=1, max_size=4), min_size=1, max_size=6))
    buffer = io.StringIO()
    csv.writer(
        buffer,
        lineterminator=draw(st.sampled_from(["\n", "\r\n", "\r"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    ).writerows(rows)
    text = buffer.getvalue()
    if draw(st.integers(0, 4)) == 0:  # now and then a European spreadsheet's separator
        text = text.replace(",", draw(st.sampled_from([";", "\t"])))
    return draw(st.sampled_from(["", "\ufeff"])) + text


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """A small dataset root beside a file outside it, a link leaving the root and a symlink loop."""
    base = tmp_path_factory.mktemp("fuzz")
    root = base / "root"
    random_png(root / "cat" / "a.png", seed=1)
    random_png(root / "dog" / "b.png", seed=2)
    random_png(root / "ch\u00e2t" / "\u00e9t\u00e9 1.png", seed=3)
    random_png(base / "outside.png", seed=4)
    (root / "link_out.png").symlink_to(base / "outside.png")
    (root / "loop.png").symlink_to(root / "loop.png")
    return root


def check_manifest(root: Path, content: bytes) -> None:
    manifest = root / "manifest.csv"
    manifest.write_bytes(content)
    try:
        source = read_manifest(manifest)
    except UserError as error:
        assert "\n" not in str(error) and str(manifest) in str(error)
        return
    finally:
        manifest.unlink()
    assert isinstance(source, Source) and source.entries
    for entry in source.entries:
        if not entry.problem:  # a usable entry is a regular file inside the root, whatever its spelling
            assert (root / entry.path).resolve().is_relative_to(root.resolve()), entry.path
            assert (root / entry.path).is_file(), entry.path


@FUZZ
@given(text=manifest_texts())
def test_manifest_like_text_gives_a_source_or_a_clear_error(dataset, text):
    before = tree_digest(dataset)
    check_manifest(dataset, text.encode("utf-8", errors="surrogatepass"))
    assert tree_digest(dataset) == before


@FUZZ
@given(content=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))))
def test_arbitrary_bytes_give_a_source_or_a_clear_error(dataset, content):
    before = tree_digest(dataset)
    check_manifest(dataset, content)
    assert tree_digest(dataset) == before


KEYS = st.one_of(
    st.sampled_from(
        [
            "train.epochs",
            "train.learning_rate",
            "preprocess.image_size",
            "preprocess.val_fraction",
            "validate.fail_on",
            "model.builder",
            "augment.flip",
            "train.mixed_precision",
            "train",
            "data",
            "flow.retries",
            "train.epochs.deeper",
            "train..epochs",
            ".",
            "",
            "validate_.seed",
        ]
    ),
    st.text(max_size=20),
)
VALUES = st.one_of(
    st.sampled_from(
        [
            "3",
            "-1",
            "0",
            "1e999",
            ".nan",
            "-.inf",
            "[1, 2]",
            "[8]",
            "{a: 1}",
            "null",
            "~",
            "true",
            "'quoted'",
            "[unclosed",
            "!!python/object:os.system",
            "&a [*a]",
            "2020-01-01",
            "0x10",
            "a: b: c",
            "- x",
            "x" * 300,
            "model.py:build",
            ":",
            "\t",
            "%YAML 9.9",
            "!!binary AAAA",
            "2020-13-45",
            "!!int x",
            "!!timestamp x",
            "[" * 2000,
            "\ud800",
        ]
    ),
    st.text(max_size=40),
)


@FUZZ
@given(override=st.one_of(st.text(max_size=60), st.tuples(KEYS, VALUES).map("=".join)))
def test_any_override_gives_params_or_a_clear_error(override):
    try:
        params = load_params(DEFAULT_PARAMS_FILE, [override])
    except UserError as error:
        assert "\n" not in str(error) and len(str(error)) < 500
        return
    assert isinstance(params, Params)


@FUZZ
@given(
    content=st.one_of(
        st.text(max_size=200),
        st.tuples(
            st.sampled_from(["train", "preprocess", "trian", "validate", "-", "? "]),
            st.sampled_from([":\n  epochs: ", ": ", ":\n  val_fraction: ", ":\n  - "]),
            VALUES,
        ).map("".join),
    )
)
def test_any_params_file_gives_params_or_a_clear_error(tmp_path_factory, content):
    params_file = tmp_path_factory.getbasetemp() / "fuzz-params.yaml"
    params_file.write_text(content, encoding="utf-8", errors="surrogatepass")
    try:
        params = load_params(params_file)
    except UserError as error:
        assert "\n" not in str(error) and "fuzz-params.yaml" in str(error)
        return
    assert isinstance(params, Params)
