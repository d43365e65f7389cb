"""Shared fixtures: the real params with only what makes runs fast overridden, and small real datasets.

Helpers that tests import live in helpers.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from cnn_doctor.config import DEFAULT_PARAMS_FILE, load_params  # noqa: E402
from cnn_doctor.layout import Layout  # noqa: E402

from helpers import FAST  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def isolated_prefect_home(tmp_path_factory):
    """Prefect keeps its database and cached results under a throw-away home."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(home / "storage")
    yield home


@pytest.fixture(scope="session")
def digits_folder(tmp_path_factory) -> Path:
    """scikit-learn's real scanned digits as PNG class folders (written once per session)."""
    from cnn_doctor.data.sources import write_digits

    return write_digits(tmp_path_factory.mktemp("data") / "digits")


@pytest.fixture(scope="session")
def fashion_mnist(tmp_path_factory) -> Path:
    """Real photos of clothes, harder than the digits: Fashion-MNIST's official split, 400 training and 100
    test images a class (the manifest path). Needs Debian's dataset-fashion-mnist (make system-deps)."""
    from cnn_doctor.data.fashion_mnist import write_fashion_mnist

    return write_fashion_mnist(tmp_path_factory.mktemp("data") / "fashion-mnist", 400, 100)


@pytest.fixture
def fast_params():
    def make(*overrides: str):
        return load_params(DEFAULT_PARAMS_FILE, [*FAST, *overrides])

    return make


@pytest.fixture
def layout(tmp_path) -> Layout:
    return Layout(tmp_path / "out")
