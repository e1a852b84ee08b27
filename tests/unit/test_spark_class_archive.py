"""Which local Spark JVMs map the class archive (healthetl.spark_local.class_archive): only when the
file exists, so a machine without one starts sessions exactly as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from healthetl.spark_local import class_archive

pytestmark = pytest.mark.unit


def test_no_archive_no_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(class_archive.ARCHIVE_ENV, str(tmp_path / "missing.jsa"))
    assert class_archive.java_option() is None


def test_an_archive_is_mapped_from_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "spark.jsa"
    archive.write_bytes(b"archive")
    monkeypatch.setenv(class_archive.ARCHIVE_ENV, str(archive))
    assert class_archive.archive_path() == archive
    assert class_archive.java_option() == f"-XX:SharedArchiveFile={archive}"


def test_the_default_path_is_per_pyspark_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import pyspark

    monkeypatch.delenv(class_archive.ARCHIVE_ENV, raising=False)
    path = class_archive.archive_path()
    assert path.name.startswith(f"spark-{pyspark.__version__}-")
    assert path.name.endswith("-classes.jsa")
    assert path.parent == Path.home() / ".cache" / "healthetl"
