"""Fixtures of the terraform checks: the parsed terraform/ tree and the facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tf_model import FACTS_DIR, TERRAFORM, TfDir, load_dirs


@pytest.fixture(scope="session")
def tf_dirs() -> dict[Path, TfDir]:
    return load_dirs()


@pytest.fixture(scope="session")
def tf_module(tf_dirs: dict[Path, TfDir]):
    def get(relative: str) -> TfDir:
        return tf_dirs[(TERRAFORM / relative).resolve()]

    return get


@pytest.fixture(scope="session")
def facts() -> dict[str, Any]:
    return json.loads((FACTS_DIR / "resources.json").read_text())
