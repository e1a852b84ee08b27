"""The copy step trusts nothing in `_batch.json` that it can check (contracts/pipeline.md, issue
17 finding 7). Each test publishes a batch with the producer's own functions
(treatment_jobs.publish) into a bucket of the local estate's S3 that no notification watches,
spoils one thing, and runs the copy Lambda's handler in-process against a fresh warehouse: the
step fails with `WarehouseDataError` naming the batch and what was wrong, its FAILED tracker row
says so, and staging holds nothing of the batch. With a Redshift-dialect connection that records
every statement, neither quotes nor backslashes from the file reach SQL text."""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from fixtures.warehouse import fetch, treatment_row, write_local_batch
from load_pipeline.handlers import copy
from warehouse_seam import REDSHIFT, Warehouse, WarehouseDataError

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("reset_powertools_metrics")]

OTHER = "b20261130T080000Z-0badbead"


@dataclass
class Batch:
    """One published batch: its bucket and id, and `_batch.json` as the producer wrote it."""

    bucket: str
    batch_id: str
    summary: dict[str, Any]

    @property
    def prefix(self) -> str:
        return f"batches/{self.batch_id}/"

    @property
    def key(self) -> str:
        return f"{self.prefix}_batch.json"

    def event(self, **changes: Any) -> dict[str, Any]:
        event = {
            "batch_id": self.batch_id,
            "execution_name": self.batch_id,
            "bucket": self.bucket,
            "key": self.key,
        }
        return {**event, **changes}

    def files(self, kind: str) -> list[dict[str, Any]]:
        return [f for f in self.summary["files"] if f["kind"] == kind]

    def put_summary(self, body: bytes | None = None) -> None:
        data = body if body is not None else json.dumps(self.summary, indent=1).encode()
        boto3.client("s3").put_object(Bucket=self.bucket, Key=self.key, Body=data)

    def manifest(self, kind: str) -> dict[str, Any]:
        body = boto3.client("s3").get_object(
            Bucket=self.bucket, Key=f"{self.prefix}{kind}.manifest"
        )
        return dict(json.loads(body["Body"].read()))

    def put_manifest(self, kind: str, manifest: dict[str, Any]) -> None:
        boto3.client("s3").put_object(
            Bucket=self.bucket, Key=f"{self.prefix}{kind}.manifest", Body=json.dumps(manifest)
        )

    def delete(self, key: str) -> None:
        boto3.client("s3").delete_object(Bucket=self.bucket, Key=key)


@pytest.fixture(scope="module")
def silver(estate: Any, unique_name: Callable[[str], str]) -> str:
    """A silver bucket of this module's own: no notification, so nothing starts an execution."""
    bucket = unique_name("hca-copy-checks")
    boto3.client("s3").create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture
def batch(silver: str, tmp_path: Path) -> Batch:
    """3 valid rows in 2 Parquet files and 2 rejects in 1, published as publish.py does."""
    return publish_batch(silver, tmp_path)


def publish_batch(silver: str, tmp_path: Path, *, schema_version: int | None = None) -> Batch:
    """As ``batch``; ``schema_version=1``: a batch published before rejected rows had versions
    (5-column rejected files), in flight while the warehouse is upgraded."""
    from datetime import datetime

    from treatment_jobs import publish
    from treatment_jobs.config import JobConfig
    from treatment_jobs.transform_stage import TransformSummary

    batch_id = f"b20261201T0900{secrets.randbelow(60):02d}Z-{secrets.token_hex(4)}"
    rejects = [
        {
            "batch_id": batch_id,
            "treatment_id": treatment_id,
            "broken_rules": "R2",
            "raw_item": "{}",
            "extracted_at": datetime(2026, 12, 1, 9),
        }
        for treatment_id in (901, None)
    ]
    rows = [treatment_row(i, batch_id) for i in (1, 2, 3)]
    # The transform's output folders: <silver_root>/<batch_id>/valid|rejected/part-*.parquet
    legacy = schema_version == 1
    write_local_batch(tmp_path, batch_id, rows, rejects, files=2, versioned_rejects=not legacy)
    cfg = JobConfig(
        table_name="unused",
        index_name="unused",
        silver_bucket=silver,
        bronze_root=str(tmp_path / "bronze"),
        silver_root=str(tmp_path / "batches"),
    )
    transformed = TransformSummary(
        batch_id=batch_id,
        source_batch=None,
        mode="incremental",
        read=5,
        valid=3,
        rejected=2,
        superseded=0,
        cursor_from="2026-12-01T07:55:00Z",
        cursor_to="2026-12-01T08:59:00Z",
        extraction_start="2026-12-01T09:00:00Z",
    )
    files = publish.upload_data_files(cfg, batch_id, ("valid", "rejected"))
    manifests = publish.write_manifests(cfg, batch_id, files)
    summary = json.loads(json.dumps(publish.batch_summary(transformed, files, manifests)))
    if legacy:
        summary["schema_version"] = 1
        summary.pop("deferred")
    published = Batch(silver, batch_id, summary)
    published.put_summary()
    return published


@pytest.fixture
def copy_step(
    fresh_warehouse_dsn: str, silver: str, monkeypatch: pytest.MonkeyPatch, lambda_context: Any
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The copy Lambda's handler, configured as deployed (SILVER_BUCKET) on a fresh warehouse."""
    monkeypatch.setenv("SILVER_BUCKET", silver)
    monkeypatch.setenv("WAREHOUSE_DSN", fresh_warehouse_dsn)

    def run(event: dict[str, Any]) -> dict[str, Any]:
        return dict(copy.handler(event, lambda_context))

    return run


def tracker(dsn: str, batch_id: str) -> list[tuple[Any, ...]]:
    return fetch(
        dsn, "select step, status, error from gold.etl_tracker where batch_id = %s", [batch_id]
    )


def staged(dsn: str) -> list[tuple[Any, ...]]:
    return fetch(
        dsn,
        "select (select count(*) from staging.treatments),"
        " (select count(*) from staging.rejected_treatments)",
    )


def test_the_producers_batch_passes_and_loads_what_it_announced(
    batch: Batch, copy_step: Callable[[dict[str, Any]], dict[str, Any]], fresh_warehouse_dsn: str
) -> None:
    result = copy_step(batch.event())
    assert (result["status"], result["reconciliation"], result["destination_count"]) == (
        "SUCCEEDED",
        "MATCH",
        5,
    )
    assert (result["rows_valid"], result["rows_rejected"]) == (3, 2)
    assert staged(fresh_warehouse_dsn) == [(3, 2)]


def test_a_batch_published_before_the_upgrade_still_loads(
    silver: str,
    tmp_path: Path,
    copy_step: Callable[[dict[str, Any]], dict[str, Any]],
    fresh_warehouse_dsn: str,
) -> None:
    """Upgrade in place: a schema_version 1 batch in flight (5-column rejected files) is copied
    through staging.rejected_treatments_v1, its rejects becoming versions without a
    fingerprint, finally rejected."""
    from load_pipeline import steps
    from warehouse_seam import connect

    legacy = publish_batch(silver, tmp_path, schema_version=1)
    result = copy_step(legacy.event())
    assert (result["status"], result["reconciliation"]) == ("SUCCEEDED", "MATCH")
    with connect(fresh_warehouse_dsn) as wh:
        steps.run_gold_step(wh, batch_id=legacy.batch_id, execution_name=legacy.batch_id, attempt=1)
    assert sorted(
        fetch(
            fresh_warehouse_dsn,
            "select treatment_id, version_fingerprint, disposition from silver.rejected_treatments",
        ),
        key=str,
    ) == [(901, None, "rejected"), (None, None, "rejected")]
    assert fetch(fresh_warehouse_dsn, "select count(*) from staging.rejected_treatments_v1") == [
        (0,)
    ]


def test_the_manifests_are_the_batchs_own_whatever_the_file_names(
    batch: Batch, copy_step: Callable[[dict[str, Any]], dict[str, Any]], fresh_warehouse_dsn: str
) -> None:
    """The copy step builds the manifests' locations itself: without the informative
    `manifests` field the batch loads the same (once taken as "no manifests": nothing)."""
    del batch.summary["manifests"]
    batch.put_summary()
    result = copy_step(batch.event())
    assert (result["status"], result["destination_count"]) == ("SUCCEEDED", 5)
    assert staged(fresh_warehouse_dsn) == [(3, 2)]


# --- each malformed `_batch.json` ---------------------------------------------------------


def _summary(change: Callable[[dict[str, Any]], None]) -> Callable[[Batch], None]:
    def spoil(batch: Batch) -> None:
        change(batch.summary)
        batch.put_summary()

    return spoil


def _missing_rejected_manifest(batch: Batch) -> None:
    batch.delete(f"{batch.prefix}rejected.manifest")
    batch.summary["manifests"]["rejected"] = None
    batch.put_summary()


def _entry_elsewhere(where: Callable[[Batch], tuple[str, str]]) -> Callable[[Batch], None]:
    """The valid manifest's first entry points at a copy of its file somewhere else."""

    def spoil(batch: Batch) -> None:
        s3 = boto3.client("s3")
        manifest = batch.manifest("valid")
        entry = manifest["entries"][0]
        source_key = entry["url"].split("/", 3)[3]
        bucket, key = where(batch)
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=bucket)
        s3.copy_object(
            Bucket=bucket, Key=key, CopySource={"Bucket": batch.bucket, "Key": source_key}
        )
        entry["url"] = f"s3://{bucket}/{key}"
        batch.put_manifest("valid", manifest)

    return spoil


def _other_batch(batch: Batch) -> tuple[str, str]:
    return batch.bucket, f"batches/{OTHER}/valid/part-00000.parquet"


def _other_bucket(batch: Batch) -> tuple[str, str]:
    return f"{batch.bucket}-other", f"{batch.prefix}valid/part-00000.parquet"


def _manifest_leaves_out_a_file(batch: Batch) -> None:
    manifest = batch.manifest("valid")
    manifest["entries"] = manifest["entries"][:1]
    batch.put_manifest("valid", manifest)


def _listed_file_missing(batch: Batch) -> None:
    batch.delete(batch.files("valid")[1]["key"])


def _first_file(field: str, value: Callable[[Any], Any]) -> Callable[[Batch], None]:
    def spoil(batch: Batch) -> None:
        listed = batch.files("valid")[0]
        listed[field] = value(listed[field])
        batch.put_summary()

    return spoil


def _wrong_size(batch: Batch) -> None:
    """A size one byte off, in `_batch.json` and the manifest alike (only the object tells)."""
    listed = batch.files("valid")[0]
    listed["size"] += 1
    manifest = batch.manifest("valid")
    for entry in manifest["entries"]:
        if entry["url"].endswith(listed["key"]):
            entry["meta"]["content_length"] += 1
    batch.put_manifest("valid", manifest)
    batch.put_summary()


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(summary: dict[str, Any]) -> None:
        summary[field] = value

    return change


def _delete(field: str) -> Callable[[dict[str, Any]], None]:
    def change(summary: dict[str, Any]) -> None:
        del summary[field]

    return change


def _add_to(field: str, amount: int) -> Callable[[dict[str, Any]], None]:
    def change(summary: dict[str, Any]) -> None:
        summary[field] += amount

    return change


def _named_manifest(summary: dict[str, Any]) -> None:
    summary["manifests"]["valid"] = f"batches/{OTHER}/valid.manifest"


def _not_json(batch: Batch) -> None:
    batch.put_summary(b'{"batch_id": "' + batch.batch_id.encode() + b'", "valid": ')


def _repeated_key(batch: Batch) -> None:
    text = json.dumps(batch.summary)
    batch.put_summary(text.replace('"valid": 3', '"valid": 3, "valid": 30', 1).encode())


MALFORMED = [
    pytest.param(_summary(_delete("valid")), r"'valid' is a required property", id="missing-count"),
    pytest.param(_summary(_delete("rejected")), r"'rejected' is a required", id="missing-rejected"),
    pytest.param(
        _summary(_set("rejected", "2")), r"\$\.rejected: '2' is not of type 'integer'", id="type"
    ),
    pytest.param(_summary(_set("valid", -3)), r"\$\.valid: -3 is less than the minimum", id="neg"),
    pytest.param(
        _summary(_add_to("extracted", 1)),
        r"counts do not add up: valid 3 \+ rejected 2 = 5, extracted 6",
        id="counts-do-not-add-up",
    ),
    pytest.param(
        _missing_rejected_manifest,
        r"rejected\.manifest s3://\S+/rejected\.manifest does not exist",
        id="missing-manifest",
    ),
    pytest.param(
        _entry_elsewhere(_other_batch),
        rf"has an entry 's3://\S+/batches/{OTHER}/valid/part-00000\.parquet' outside "
        r"s3://\S+/batches/b\S+/valid/",
        id="manifest-entry-of-another-batch",
    ),
    pytest.param(
        _entry_elsewhere(_other_bucket),
        r"has an entry 's3://\S+-other/batches/\S+' outside s3://\S+/batches/b\S+/valid/",
        id="manifest-entry-in-another-bucket",
    ),
    pytest.param(
        _manifest_leaves_out_a_file,
        r"valid\.manifest leaves out s3://\S+ that _batch\.json lists",
        id="manifest-leaves-out-a-listed-file",
    ),
    pytest.param(
        _summary(_named_manifest),
        rf"names 'batches/{OTHER}/valid\.manifest' as its valid manifest, not the batch's own",
        id="names-another-batchs-manifest",
    ),
    pytest.param(
        _listed_file_missing,
        r"file listed in _batch\.json s3://\S+/valid/part-\S+ does not exist",
        id="listed-file-missing",
    ),
    pytest.param(
        _wrong_size, r"s3://\S+\.parquet has \d+ bytes, _batch\.json lists \d+", id="wrong-size"
    ),
    pytest.param(
        _first_file("size", lambda size: size + 1),
        r"valid\.manifest gives s3://\S+ content_length \d+, _batch\.json lists \d+ bytes",
        id="size-not-the-manifests",
    ),
    pytest.param(
        _first_file("sha256", lambda digest: digest[::-1]),
        r"s3://\S+ has SHA-256 [0-9a-f]{64}, _batch\.json lists [0-9a-f]{64}",
        id="wrong-sha256",
    ),
    pytest.param(
        _summary(_set("schema_version", 3)),
        r"_batch\.json has schema_version 3, which is unknown \(known: 1, 2\)",
        id="unknown-schema-version",
    ),
    pytest.param(
        _summary(_set("schema_version", "1")),
        r"schema_version '1', which is unknown",
        id="schema-version-as-text",
    ),
    pytest.param(
        _summary(_set("batch_id", OTHER)),
        rf"_batch\.json names batch '{OTHER}', not its own",
        id="batch-id-not-the-keys",
    ),
    pytest.param(_not_json, r"_batch\.json s3://\S+ is not JSON", id="not-json"),
    pytest.param(_repeated_key, r"is not JSON \(repeated keys \['valid'\]\)", id="repeated-key"),
]


@pytest.mark.parametrize(("spoil", "expected"), MALFORMED)
def test_a_malformed_batch_fails_the_copy_step_with_a_clear_error(
    batch: Batch,
    copy_step: Callable[[dict[str, Any]], dict[str, Any]],
    fresh_warehouse_dsn: str,
    spoil: Callable[[Batch], None],
    expected: str,
) -> None:
    spoil(batch)
    with pytest.raises(WarehouseDataError, match=expected) as raised:
        copy_step(batch.event())
    # Exactly the class the state machine does not retry (not a subclass, not a ValueError).
    assert type(raised.value).__name__ == "WarehouseDataError"
    assert str(raised.value).startswith(f"batch {batch.batch_id}: ")
    ((step, status, error),) = tracker(fresh_warehouse_dsn, batch.batch_id)
    assert (step, status) == ("copy", "FAILED")
    assert re.search(expected, error), error
    assert staged(fresh_warehouse_dsn) == [(0, 0)]


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda b: (b.bucket, f"tests/{b.batch_id}/_batch.json"), id="another-key"),
        pytest.param(lambda b: (f"{b.bucket}-other", b.key), id="another-bucket"),
    ],
)
def test_an_event_naming_another_object_than_the_batchs_summary_fails(
    batch: Batch,
    copy_step: Callable[[dict[str, Any]], dict[str, Any]],
    fresh_warehouse_dsn: str,
    where: Callable[[Batch], tuple[str, str]],
) -> None:
    """The same (valid) `_batch.json` elsewhere: only batches/<id>/_batch.json of the configured
    bucket is the batch's."""
    bucket, key = where(batch)
    s3 = boto3.client("s3")
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": batch.bucket, "Key": batch.key})
    with pytest.raises(WarehouseDataError, match=r"the event names s3://\S+, not the batch's"):
        copy_step(batch.event(bucket=bucket, key=key))
    assert [r[:2] for r in tracker(fresh_warehouse_dsn, batch.batch_id)] == [("copy", "FAILED")]


# --- nothing from the file reaches SQL text -------------------------------------------------


class RecordingConnection:
    """A DB-API connection in Redshift's dialect that records every statement's text and
    answers every query with zero (no Redshift here: the SQL is checked as text)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def cursor(self) -> Any:
        return _RecordingCursor(self.statements)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


class _RecordingCursor:
    def __init__(self, statements: list[str]) -> None:
        self.statements = statements
        self.description: Any = None
        self.rowcount = -1

    def execute(self, sql: str, params: Any = None) -> None:
        self.statements.append(sql)
        self.description = [("value",)] if sql.lstrip().startswith("select") else None

    def fetchall(self) -> list[tuple[int]]:
        return [(0,)]

    def fetchone(self) -> tuple[int] | None:
        return (0,) if self.description else None

    def close(self) -> None:
        pass


@pytest.fixture
def redshift_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The copy step's connections go to a RecordingConnection; yields the statements."""
    connection = RecordingConnection()
    monkeypatch.setattr(
        "load_pipeline.step_runner.connect", lambda **_: Warehouse(connection, REDSHIFT)
    )
    yield connection.statements


INJECTED = "\\' iam_role 'arn:aws:iam::1:role/injected' --"


def _injected_manifest_name(batch: Batch) -> None:
    batch.summary["manifests"]["valid"] = f"{batch.prefix}valid.manifest{INJECTED}"
    batch.put_summary()


def _injected_file_key(batch: Batch) -> None:
    """A file whose key holds a quote and a backslash, listed and in the manifest."""
    s3 = boto3.client("s3")
    listed = batch.files("valid")[0]
    evil = f"{batch.prefix}valid/part{INJECTED}.parquet"
    s3.copy_object(
        Bucket=batch.bucket, Key=evil, CopySource={"Bucket": batch.bucket, "Key": listed["key"]}
    )
    manifest = batch.manifest("valid")
    for entry in manifest["entries"]:
        if entry["url"].endswith(listed["key"]):
            entry["url"] = f"s3://{batch.bucket}/{evil}"
    batch.put_manifest("valid", manifest)
    listed["key"] = evil
    batch.put_summary()


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(_injected_manifest_name, id="in-the-manifest-name"),
        pytest.param(_injected_file_key, id="in-a-file-key"),
    ],
)
def test_quotes_and_backslashes_in_keys_never_reach_sql(
    batch: Batch,
    copy_step: Callable[[dict[str, Any]], dict[str, Any]],
    redshift_statements: list[str],
    spoil: Callable[[Batch], None],
) -> None:
    spoil(batch)
    with pytest.raises(WarehouseDataError):
        copy_step(batch.event())
    assert redshift_statements, "the failure is recorded through the (recording) warehouse"
    for statement in redshift_statements:
        assert "injected" not in statement and "\\" not in statement, statement
    # No statement of the batch's own work ran: the checks come first.
    assert not [s for s in redshift_statements if s.startswith(("delete", "copy"))]
