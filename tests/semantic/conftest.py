"""Fixtures for the semantic layer and analyses tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def warehouse_copy(marts_build, tmp_path_factory) -> Path:
    """A copy of the marts warehouse under the same file name.

    dbt and MetricFlow qualify relations with the DuckDB catalog (the file's stem), so the
    copy keeps the name; compiling and `mf` open it read-write and never touch the
    fixture's file.
    """
    copy = tmp_path_factory.mktemp("semantic") / marts_build.db.name
    shutil.copyfile(marts_build.db, copy)
    return copy
