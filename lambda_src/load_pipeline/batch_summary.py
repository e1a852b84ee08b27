"""The copy step's checks of a batch before anything reaches the warehouse.

``verify`` trusts nothing in ``_batch.json`` that it can check (contracts/pipeline.md, "The load,
its transactions and the tracker"): the event names ``batches/<batch_id>/_batch.json`` in the
configured silver bucket; the file follows the JSON Schema of its ``schema_version``
(``schemas/batch_summary.v<N>.json``) and names the same batch; ``valid + rejected = extracted``;
every listed file exists with the listed size and SHA-256 (streamed); the manifests are the
batch's own — their locations are built here from the configured bucket and the validated batch
id, every entry lies under ``s3://<bucket>/batches/<batch_id>/`` and the entries are exactly the
files ``_batch.json`` lists for that kind. Anything else raises ``WarehouseDataError`` naming the
batch and what was wrong (the state machine does not retry it: the failure path records and
alerts). What comes back is a :class:`~load_pipeline.steps.CopyPlan` of checked parts only.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, NoReturn

from jsonschema import Draft202012Validator
from warehouse_seam import WarehouseDataError

from load_pipeline.steps import CopyPlan

BATCHES_PREFIX = "batches/"  # the contract's layout: s3://<silver>/batches/<batch_id>/…
SUMMARY_NAME = "_batch.json"
KINDS = ("valid", "rejected")
BATCH_ID = re.compile(r"b[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}")
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
FILE_NAME = re.compile(r"[A-Za-z0-9_=-][A-Za-z0-9._=-]{0,254}")
SCHEMA_FILE = re.compile(r"batch_summary\.v([1-9][0-9]*)\.json")
MAX_SUMMARY_BYTES = 8 << 20
MAX_MANIFEST_BYTES = 8 << 20
HASH_CHUNK_BYTES = 1 << 20
SHOWN_CHARS = 200
MAX_SCHEMA_ERRORS = 5


@dataclass(frozen=True)
class ListedFile:
    key: str
    kind: str
    size: int
    sha256: str


@dataclass(frozen=True)
class VerifiedBatch:
    """A batch whose ``_batch.json``, files and manifests passed every check."""

    batch_id: str
    schema_version: int
    extracted: int
    valid: int
    rejected: int
    files: tuple[ListedFile, ...]
    plan: CopyPlan
    bytes_hashed: int
    seconds: float
    deferred: int | None = None  # schema_version 2: of the rejected, deferred versions
    reread_list: int | None = None  # schema_version 2: the re-read list's length after it


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


class _Checks:
    """One batch's checks; ``fail`` raises the step's error with the batch in its message."""

    def __init__(self, s3: Any, bucket: str, batch_id: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.batch_id = batch_id
        self.prefix = f"{BATCHES_PREFIX}{batch_id}/"

    def fail(self, what: str) -> NoReturn:
        raise WarehouseDataError(f"batch {self.batch_id}: {what}")

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def manifest_key(self, kind: str) -> str:
        return f"{self.prefix}{kind}.manifest"

    # -- reading ------------------------------------------------------------------------
    def _get(self, key: str, what: str) -> Any:
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=key)
        except Exception as exc:
            if _is_missing(exc):
                self.fail(f"{what} {self.url(key)} does not exist")
            raise

    def read_json(self, key: str, what: str, limit: int) -> Any:
        response = self._get(key, what)
        body = response["Body"]
        try:
            if int(response.get("ContentLength") or 0) > limit:
                self.fail(f"{what} {self.url(key)} is larger than {limit} bytes")
            raw = body.read(limit + 1)
        finally:
            body.close()
        if len(raw) > limit:
            self.fail(f"{what} {self.url(key)} is larger than {limit} bytes")
        try:
            return json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            self.fail(f"{what} {self.url(key)} is not JSON ({_shown_message(str(exc))})")

    def check_file(self, listed: ListedFile) -> int:
        """Stream the object through SHA-256; its size and digest must be the listed ones."""
        response = self._get(listed.key, "file listed in _batch.json")
        body = response["Body"]
        digest, size = hashlib.sha256(), 0
        try:
            length = response.get("ContentLength")
            if length is not None and int(length) != listed.size:
                self.fail(
                    f"{self.url(listed.key)} has {int(length)} bytes, _batch.json lists "
                    f"{listed.size}"
                )
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                digest.update(chunk)
                size += len(chunk)
        finally:
            body.close()
        if size != listed.size:
            self.fail(f"{self.url(listed.key)} has {size} bytes, _batch.json lists {listed.size}")
        if digest.hexdigest() != listed.sha256:
            self.fail(
                f"{self.url(listed.key)} has SHA-256 {digest.hexdigest()}, _batch.json lists "
                f"{listed.sha256}"
            )
        return size

    # -- the summary ----------------------------------------------------------------------
    def check_schema(self, summary: Any) -> int:
        if not isinstance(summary, dict):
            self.fail(f"_batch.json is not a JSON object but {type(summary).__name__}")
        version = summary.get("schema_version")
        known = schema_versions()
        if type(version) is not int or version not in known:
            self.fail(
                f"_batch.json has schema_version {_shown(version)}, which is unknown "
                f"(known: {', '.join(map(str, known))})"
            )
        errors = sorted(validator(version).iter_errors(summary), key=lambda e: e.json_path)
        if errors:
            shown = "; ".join(
                f"{e.json_path}: {_shown_message(e.message)}" for e in errors[:MAX_SCHEMA_ERRORS]
            )
            more = len(errors) - MAX_SCHEMA_ERRORS
            self.fail(
                f"_batch.json does not follow schema v{version}: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
            )
        return version

    def check_content(self, summary: Mapping[str, Any]) -> tuple[ListedFile, ...]:
        if summary["batch_id"] != self.batch_id:
            self.fail(f"_batch.json names batch {_shown(summary['batch_id'])}, not its own")
        if summary.get("source_batch") == self.batch_id:
            self.fail("_batch.json names the batch as its own source_batch")
        extracted, valid, rejected = (int(summary[k]) for k in ("extracted", "valid", "rejected"))
        if valid + rejected != extracted:
            self.fail(
                f"_batch.json counts do not add up: valid {valid} + rejected {rejected} = "
                f"{valid + rejected}, extracted {extracted}"
            )
        files: list[ListedFile] = []
        seen: set[str] = set()
        for entry in summary["files"]:
            key = entry["key"]
            kind, _, name = key[len(self.prefix) :].partition("/")
            if (
                not key.startswith(self.prefix)
                or kind not in KINDS
                or not FILE_NAME.fullmatch(name)
            ):
                self.fail(f"_batch.json lists {_shown(key)}, which is not under {self.prefix}")
            if entry.get("kind", kind) != kind:
                self.fail(f"_batch.json lists {key} as {_shown(entry['kind'])}, not {kind}")
            if key in seen:
                self.fail(f"_batch.json lists {key} twice")
            seen.add(key)
            files.append(ListedFile(key, kind, int(entry["size"]), entry["sha256"]))
        for kind, count in (("valid", valid), ("rejected", rejected)):
            entries = [e for e, f in zip(summary["files"], files, strict=True) if f.kind == kind]
            if entries and all("rows" in e for e in entries):
                rows = sum(int(e["rows"]) for e in entries)
                if rows != count:
                    self.fail(
                        f"_batch.json lists {kind} files of {rows} rows, but {kind} = {count}"
                    )
        if rejected == 0 and any(f.kind == "rejected" for f in files):
            self.fail("_batch.json lists rejected files, but rejected = 0")
        return tuple(files)

    def check_named_manifests(self, summary: Mapping[str, Any], rejected: int) -> None:
        """``manifests`` is informative (the locations are built here), but what it names must
        be the batch's own, as key or s3:// URL, and no rejected manifest when rejected = 0."""
        named = summary.get("manifests") or {}
        for kind in KINDS:
            value = named.get(kind)
            if value is None:
                continue
            expected = self.manifest_key(kind)
            if value not in (expected, self.url(expected)):
                self.fail(
                    f"_batch.json names {_shown(value)} as its {kind} manifest, not the batch's "
                    f"own {self.url(expected)}"
                )
            if kind == "rejected" and rejected == 0:
                self.fail("_batch.json names a rejected manifest, but rejected = 0")

    def check_manifest(self, kind: str, files: tuple[ListedFile, ...]) -> str:
        """The manifest's entries are exactly the listed files of ``kind``, each mandatory
        and with the listed size as ``meta.content_length``; returns the manifest's URL."""
        key = self.manifest_key(kind)
        manifest = self.read_json(key, f"{kind}.manifest", MAX_MANIFEST_BYTES)
        entries = manifest.get("entries") if isinstance(manifest, dict) else None
        if not isinstance(entries, list):
            self.fail(f"{self.url(key)} is not a COPY manifest (no entries list)")
        listed = {self.url(f.key): f for f in files if f.kind == kind}
        own = self.url(f"{self.prefix}{kind}/")
        found: set[str] = set()
        for entry in entries:
            url = entry.get("url") if isinstance(entry, dict) else None
            if not isinstance(url, str) or not url.startswith(own):
                self.fail(f"{self.url(key)} has an entry {_shown(url)} outside {own}")
            if url not in listed:
                self.fail(f"{self.url(key)} has an entry {_shown(url)} _batch.json does not list")
            if url in found:
                self.fail(f"{self.url(key)} lists {url} twice")
            found.add(url)
            if entry.get("mandatory") is not True:
                self.fail(f"{self.url(key)} does not mark {url} mandatory")
            meta = entry.get("meta")
            length = meta.get("content_length") if isinstance(meta, dict) else None
            if type(length) is not int or length != listed[url].size:
                self.fail(
                    f"{self.url(key)} gives {url} content_length {_shown(length)}, _batch.json "
                    f"lists {listed[url].size} bytes"
                )
        missing = sorted(set(listed) - found)
        if missing:
            self.fail(f"{self.url(key)} leaves out {', '.join(missing[:5])} that _batch.json lists")
        return self.url(key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys repeat is ambiguous (which value counts?): refused."""
    result = dict(pairs)
    if len(result) != len(pairs):
        repeated = sorted({k for k, _ in pairs if sum(1 for x, _ in pairs if x == k) > 1})
        raise ValueError(f"repeated keys {repeated[:5]}")
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _shown_message(message: str) -> str:
    return message if len(message) <= SHOWN_CHARS else message[:SHOWN_CHARS] + "…"


def _is_missing(exc: BaseException) -> bool:
    error = getattr(exc, "response", {}).get("Error", {})
    return str(error.get("Code")) in {"NoSuchKey", "404", "NotFound", "NoSuchBucket"}


@cache
def schema_versions() -> tuple[int, ...]:
    """The versions with a schema in ``schemas/`` (``batch_summary.v<N>.json``)."""
    folder = resources.files("load_pipeline") / "schemas"
    found = (SCHEMA_FILE.fullmatch(entry.name) for entry in folder.iterdir())
    return tuple(sorted(int(match[1]) for match in found if match))


@cache
def schema(version: int) -> dict[str, Any]:
    """The JSON Schema of ``_batch.json`` with ``schema_version`` ``version``."""
    text = (
        resources.files("load_pipeline") / "schemas" / f"batch_summary.v{version}.json"
    ).read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def validator(version: int) -> Draft202012Validator:
    return Draft202012Validator(schema(version))


def summary_key(batch_id: str) -> str:
    return f"{BATCHES_PREFIX}{batch_id}/{SUMMARY_NAME}"


def verify(
    s3: Any,
    *,
    silver_bucket: str | None,
    batch_id: str,
    event_bucket: str | None,
    event_key: str | None,
) -> VerifiedBatch:
    """Check the batch named by the step's input (see the module's doc) with the S3 client
    ``s3``; the plan the copy step may load, or ``WarehouseDataError``."""
    began = time.monotonic()
    if not BATCH_ID.fullmatch(batch_id):
        raise WarehouseDataError(f"not a batch id: {_shown(batch_id)}")
    if not silver_bucket or not BUCKET_NAME.fullmatch(silver_bucket):
        raise WarehouseDataError(
            f"batch {batch_id}: the copy step's SILVER_BUCKET is not a bucket name: "
            f"{_shown(silver_bucket)}"
        )
    checks = _Checks(s3, silver_bucket, batch_id)
    if event_bucket != silver_bucket or event_key != summary_key(batch_id):
        checks.fail(
            f"the event names s3://{event_bucket}/{event_key}, not the batch's "
            f"{checks.url(summary_key(batch_id))}"
        )
    summary = checks.read_json(summary_key(batch_id), SUMMARY_NAME, MAX_SUMMARY_BYTES)
    version = checks.check_schema(summary)
    files = checks.check_content(summary)
    valid, rejected = int(summary["valid"]), int(summary["rejected"])
    deferred = summary.get("deferred")
    if deferred is not None and int(deferred) > rejected:
        checks.fail(f"_batch.json says {deferred} deferred of {rejected} rejected versions")
    checks.check_named_manifests(summary, rejected)
    plan = CopyPlan(
        valid=valid,
        rejected=rejected,
        valid_manifest=checks.check_manifest("valid", files),
        rejected_manifest=checks.check_manifest("rejected", files) if rejected else None,
        legacy_rejected=version == 1,
    )
    hashed = sum(checks.check_file(listed) for listed in files)  # the costly part, last
    return VerifiedBatch(
        batch_id=batch_id,
        schema_version=version,
        extracted=int(summary["extracted"]),
        valid=valid,
        rejected=rejected,
        files=files,
        plan=plan,
        bytes_hashed=hashed,
        seconds=time.monotonic() - began,
        deferred=int(deferred) if deferred is not None else None,
        reread_list=summary.get("reread_list"),
    )
