# Shared fixtures of the Python suite: the real data files (skipped when absent), the CLI
# command, temporary files and a thread-limit guard.
import os
import pathlib

import pytest

import guanxi as gx

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# The data lives next to the repository (../shared/data) unless GUANXI_DATA_DIR says otherwise.
DEFAULT_DATA_DIR = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")


@pytest.fixture(scope="session")
def data_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("GUANXI_DATA_DIR") or DEFAULT_DATA_DIR)


@pytest.fixture(scope="session")
def data_file(data_dir):
    """data_file(name) -> path of a real data file, or skip the test when it is absent."""

    def find(name: str) -> pathlib.Path:
        path = data_dir / name
        if not path.is_file():
            pytest.skip(f"data file {name} not found in {data_dir}")
        return path

    return find


@pytest.fixture(scope="session")
def cli() -> str:
    """Path of the guanxi command (GUANXI_CLI: the build tree's launcher of the Python command
    line); skip when unset or missing."""
    path = os.environ.get("GUANXI_CLI")
    if not path:
        pytest.skip("GUANXI_CLI is not set")
    if not os.path.isfile(path) or not os.access(path, os.X_OK):
        pytest.skip(f"GUANXI_CLI={path} is not an executable file")
    return path


@pytest.fixture
def write_file(tmp_path):
    """write_file(name, text_or_bytes) -> path of a new file in a fresh temporary folder."""

    def write(name: str, content) -> pathlib.Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return path

    return write


@pytest.fixture
def threads():
    """Call threads(k) to limit guanxi's workers; the limit is lifted after the test."""
    yield gx.set_max_threads
    gx.set_max_threads(0)
