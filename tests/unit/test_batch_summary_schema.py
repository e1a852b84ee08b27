"""`_batch.json`'s JSON Schema (lambda_src/load_pipeline/schemas/batch_summary.v<N>.json): the
producer (spark/treatment_jobs/publish.py) writes what it allows, and it refuses what v1 must not
let through. The checks a schema cannot make (the key's batch, sums, files, manifests) are
tests/integration/test_copy_batch_checks.py."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from load_pipeline import batch_summary
from treatment_jobs import publish
from treatment_jobs.transform_stage import TransformSummary

pytestmark = pytest.mark.unit

BATCH = "b20261201T090000Z-0a1b2c3d"
SOURCE = "b20261130T090000Z-00ff00ff"
SHA = "ab" * 32


def files(batch_id: str = BATCH, *, valid: int = 3, rejected: int = 2) -> list[Any]:
    made = [
        publish.PublishedFile(
            f"batches/{batch_id}/valid/part-00000-x.snappy.parquet", "valid", valid, 1234, SHA
        )
    ]
    if rejected:
        made.append(
            publish.PublishedFile(
                f"batches/{batch_id}/rejected/part-00000-y.snappy.parquet",
                "rejected",
                rejected,
                99,
                SHA,
            )
        )
    return made


def produced(mode: str = "full", *, valid: int = 3, rejected: int = 2) -> dict[str, Any]:
    """What publish writes (through JSON, as the copy step reads it)."""
    summary = TransformSummary(
        batch_id=BATCH,
        source_batch=SOURCE if mode == "retransform" else None,
        mode=mode,
        read=valid + rejected + 1,
        valid=valid,
        rejected=rejected,
        superseded=1,
        cursor_from=None if mode == "full" else "2026-12-01T08:00:00Z",
        cursor_to="2026-12-01T08:59:59Z",
        extraction_start="2026-12-01T09:00:00Z",
    )
    listed = files(valid=valid, rejected=rejected)
    manifests = {
        "valid": f"batches/{BATCH}/valid.manifest",
        "rejected": f"batches/{BATCH}/rejected.manifest" if rejected else None,
    }
    return json.loads(json.dumps(publish.batch_summary(summary, listed, manifests)))


PRODUCED = publish.BATCH_SCHEMA_VERSION  # the version publish writes today


def errors(document: Any, version: int = PRODUCED) -> list[str]:
    return [e.message for e in batch_summary.validator(version).iter_errors(document)]


def test_every_schema_is_a_valid_draft_2020_12_schema_of_its_version() -> None:
    assert batch_summary.schema_versions() == (1, 2)
    for version in batch_summary.schema_versions():
        schema = batch_summary.schema(version)
        Draft202012Validator.check_schema(schema)
        assert schema["properties"]["schema_version"] == {"const": version}


@pytest.mark.parametrize(
    ("mode", "valid", "rejected"),
    [("full", 3, 2), ("incremental", 3, 0), ("retransform", 3, 2), ("incremental", 0, 4)],
)
def test_what_publish_writes_follows_the_schema_of_its_version(
    mode: str, valid: int, rejected: int
) -> None:
    document = produced(mode, valid=valid, rejected=rejected)
    assert document["schema_version"] in batch_summary.schema_versions()
    assert errors(document, document["schema_version"]) == []


def _without(field: str) -> Any:
    def change(d: dict[str, Any]) -> None:
        del d[field]

    return change


def _without_file(field: str) -> Any:
    def change(d: dict[str, Any]) -> None:
        del d["files"][0][field]

    return change


def _set(path: str, value: Any) -> Any:
    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = d
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        *(
            pytest.param(_without(f), id=f"missing {f}")
            for f in (
                "batch_id",
                "schema_version",
                "extracted",
                "valid",
                "rejected",
                "cursor_from",
                "cursor_to",
                "files",
            )
        ),
        pytest.param(_set("valid", "3"), id="count as text"),
        pytest.param(_set("valid", 3.5), id="fractional count"),
        pytest.param(_set("rejected", -1), id="negative count"),
        pytest.param(_set("extracted", None), id="null count"),
        pytest.param(_set("valid", True), id="boolean count"),
        pytest.param(_set("batch_id", BATCH + "\n"), id="batch id with a newline"),
        pytest.param(_set("batch_id", BATCH.upper()), id="batch id in upper case"),
        pytest.param(_set("batch_id", "b٢٠٢٦١٢٠١T090000Z-0a1b2c3d"), id="batch id, other digits"),
        pytest.param(_set("schema_version", 99), id="another schema_version"),
        pytest.param(_set("deferred", -1), id="negative deferred count"),
        pytest.param(_set("reread_list", "3"), id="re-read list length as text"),
        pytest.param(_set("cursor_to", None), id="no cursor_to"),
        pytest.param(_set("cursor_from", "yesterday"), id="cursor not a timestamp"),
        pytest.param(_set("source_batch", SOURCE), id="source_batch on a full extract"),
        pytest.param(_set("files", {}), id="files not a list"),
        pytest.param(_set("files.0", "batches/x"), id="file not an object"),
        pytest.param(_without_file("sha256"), id="file without sha256"),
        pytest.param(_without_file("size"), id="file without size"),
        pytest.param(_without_file("key"), id="file without key"),
        pytest.param(_set("files.0.size", "1234"), id="size as text"),
        pytest.param(_set("files.0.sha256", SHA.upper()), id="sha256 in upper case"),
        pytest.param(_set("files.0.sha256", SHA[:-1]), id="sha256 too short"),
        pytest.param(_set("files.0.kind", "deleted"), id="a kind v1 does not have"),
        pytest.param(
            _set("files.0.key", f"batches/{BATCH}/deleted/part-0.parquet"), id="deleted/ in v1"
        ),
        pytest.param(_set("files.0.key", f"batches/{BATCH}/valid/p'art.parquet"), id="quote"),
        pytest.param(_set("files.0.key", f"batches/{BATCH}/valid/p\\art.parquet"), id="backslash"),
        pytest.param(_set("files.0.key", f"batches/{BATCH}/valid/../x.parquet"), id="dot dot"),
        pytest.param(_set("files.0.key", f"s3://silver/batches/{BATCH}/valid/p.parquet"), id="url"),
        pytest.param(_set("manifests.valid", 7), id="manifest not text"),
    ],
)
def test_the_schema_refuses(change: Any) -> None:
    document = produced("full")
    change(document)
    assert errors(document)


def test_a_batch_published_before_versions_still_follows_v1() -> None:
    """Batches in flight during the upgrade (schema_version 1: no deferred count, no re-read
    list) keep their schema; the copy step loads their 5-column rejected files."""
    document = produced("full")
    document["schema_version"] = 1
    for field in ("deferred", "reread_list"):
        document.pop(field, None)
    assert errors(document, 1) == []


def test_a_retransform_names_its_source_batch() -> None:
    document = produced("retransform")
    assert errors(document) == []
    document["source_batch"] = None
    assert errors(document)


def test_v1_leaves_room_for_fields_a_later_version_adds() -> None:
    """Unknown properties pass the schema (a v2 adds a `deleted` count and deleted/ files); the
    copy step's sum check still refuses a v1 whose counts include anything else."""
    document = copy.deepcopy(produced("full"))
    document["deleted"] = 0
    document["files"][0]["rows_bytes"] = 1
    document["lineage"] = {"job": "x"}
    assert errors(document) == []
