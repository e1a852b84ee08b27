"""Batch ids and the watermark (``contracts/pipeline.md``, "Incremental cursor, index and
watermark").

The watermark is ``state/watermark.json`` in the silver bucket (a cluster run and a local run see
the same state). Format 2 holds the cursor, the versions *recorded* within the overlap window
(the last one per treatment id: fingerprint, write stamp, batch), the re-read list (ids the next
extract reads by key whatever their stamp, with why) and the skipped batches already re-queued.
Every batch publishes its change of it (``batches/<id>/_watermark.json``) before its
``_batch.json``; applying a change is the pure :func:`apply_change`, so a run that died between
``_batch.json`` and the watermark is completed by the next one (``catch_up``). The watermark is
written by a conditional put on the version that was read, and its cursor only moves forward.
Format 1 (cursor + ``published_keys``) is read and upgraded in place.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import ClientError

from treatment_jobs.config import JobConfig

BATCH_ID = re.compile(r"b\d{8}T\d{6}Z-[0-9a-f]{8}")
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
WATERMARK_FORMAT = 2
CHANGE_NAME = "_watermark.json"

# Why an id is on the re-read list.
DEFERRED = "deferred"
SKIPPED = "skipped"


def new_batch_id(moment: datetime, after: str | None = None) -> str:
    """``b`` + UTC ``YYYYMMDDTHHMMSSZ`` + ``-`` + 8 lowercase hex; sorts in time order. Given
    ``after`` (the last batch published), the id sorts after it even within the same second
    (or when the clock stepped back), so batch ids keep the order of publication."""
    candidate = f"b{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    if after is None or candidate > after:
        return candidate
    # The last batch's second (or later): continue from it, a random step on.
    last_second, last_hex = after[:17], int(after[18:26], 16)
    step = 1 + secrets.randbelow(0xFFFF)
    if last_hex + step <= 0xFFFFFFFF:
        return f"{last_second}-{last_hex + step:08x}"
    following = datetime.strptime(last_second, "b%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return f"b{following + timedelta(seconds=1):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def id_order(treatment_id: str) -> tuple[int, str]:
    """Treatment ids (DynamoDB N texts) in numeric order for well-formed ids, stably otherwise."""
    return (len(treatment_id), treatment_id)


def format_ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_ts(text: str) -> datetime:
    return datetime.strptime(text, TIMESTAMP_FORMAT).replace(tzinfo=UTC)


@dataclass(frozen=True)
class RecordedVersion:
    """The last version of one treatment id a batch published within the overlap window."""

    fingerprint: str
    stamp: str  # its gsi_modified_at
    batch_id: str

    def as_list(self) -> list[str]:
        return [self.fingerprint, self.stamp, self.batch_id]


@dataclass
class Watermark:
    cursor: str
    recorded: dict[str, RecordedVersion] = field(default_factory=dict)
    reread: dict[str, str] = field(default_factory=dict)  # treatment id -> why
    skips_applied: list[str] = field(default_factory=list)
    batch_id: str | None = None  # the last batch whose change is applied
    updated_at: str | None = None
    # Upgraded from format 1: (id, stamp) keys published without a fingerprint. They are
    # honoured as "already published" until they leave the overlap window, then dropped.
    legacy_keys: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": WATERMARK_FORMAT,
                "cursor": self.cursor,
                "recorded": {k: v.as_list() for k, v in sorted(self.recorded.items())},
                "reread": dict(sorted(self.reread.items())),
                "skips_applied": self.skips_applied,
                "batch_id": self.batch_id,
                "updated_at": self.updated_at,
                "legacy_keys": [list(k) for k in self.legacy_keys],
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str) -> Watermark:
        data = json.loads(text)
        version = data.get("format", data.get("schema_version"))
        if version == 1:  # before versions: published (id, stamp) keys
            keys = sorted((str(k[0]), str(k[1])) for k in data.get("published_keys", []))
            return cls(
                data["cursor"],
                batch_id=data.get("batch_id"),
                updated_at=data.get("updated_at"),
                legacy_keys=keys,
            )
        if version != WATERMARK_FORMAT:
            raise ValueError(f"unknown watermark format {version!r}")
        return cls(
            data["cursor"],
            recorded={k: RecordedVersion(*v) for k, v in data.get("recorded", {}).items()},
            reread=dict(data.get("reread", {})),
            skips_applied=list(data.get("skips_applied", [])),
            batch_id=data.get("batch_id"),
            updated_at=data.get("updated_at"),
            legacy_keys=[(str(k[0]), str(k[1])) for k in data.get("legacy_keys", [])],
        )

    def drop_rule(self) -> DropRule:
        return DropRule(
            {k: v.fingerprint for k, v in self.recorded.items()}, frozenset(self.legacy_keys)
        )


@dataclass(frozen=True)
class DropRule:
    """What the extract needs of the watermark to drop versions already published (small, so
    it travels to the Spark tasks cheaply)."""

    fingerprints: dict[str, str]  # id -> its last recorded version's fingerprint
    legacy_keys: frozenset[tuple[str, str]]

    def needs_fingerprint(self, treatment_id: str | None) -> bool:
        return treatment_id is not None and treatment_id in self.fingerprints

    def drops(self, treatment_id: str | None, stamp: str | None, fingerprint: str | None) -> bool:
        """Whether this version equals the last one recorded for its id. An id recorded with a
        fingerprint is judged by it alone, so a rewrite back to earlier content, or a rewrite
        within the same second, is published again."""
        if treatment_id is None:
            return False
        known = self.fingerprints.get(treatment_id)
        if known is not None:
            return known == fingerprint
        return (treatment_id, stamp) in self.legacy_keys if stamp is not None else False


@dataclass
class WatermarkChange:
    """What publishing one batch changes in the watermark (``batches/<id>/_watermark.json``)."""

    batch_id: str
    cursor_to: str  # the greatest stamp read, never later than the extraction's start
    recorded: dict[str, tuple[str, str]]  # id -> (fingerprint, stamp), published in the window
    deferred: list[str]  # ids whose last version in the batch was deferred
    reread: list[str]  # ids this extract read by key (they leave the list unless deferred again)
    based_on: str | None = None  # the watermark's batch when the extract read it

    def to_json(self) -> str:
        body = {"format": WATERMARK_FORMAT, **self.__dict__}
        body["recorded"] = {k: list(v) for k, v in sorted(self.recorded.items())}
        return json.dumps(body, indent=1)

    @classmethod
    def from_json(cls, text: str) -> WatermarkChange:
        data = json.loads(text)
        data.pop("format", None)
        data["recorded"] = {k: (v[0], v[1]) for k, v in data["recorded"].items()}
        return cls(**data)


def apply_change(
    previous: Watermark | None, change: WatermarkChange, overlap_seconds: int, now: datetime
) -> Watermark:
    """The watermark after ``change``: the cursor never moves back; recorded versions are the
    last per id, kept while inside the overlap window; re-read ids leave the list once read by
    key, and ids deferred again (or for the first time) join it."""
    base = previous or Watermark(change.cursor_to)
    cursor = max(change.cursor_to, base.cursor)
    window_from = format_ts(parse_ts(cursor) - timedelta(seconds=overlap_seconds))
    recorded = dict(base.recorded)
    for treatment_id, (fingerprint, stamp) in change.recorded.items():
        recorded[treatment_id] = RecordedVersion(fingerprint, stamp, change.batch_id)
    reread = {k: v for k, v in base.reread.items() if k not in set(change.reread)}
    reread |= dict.fromkeys(change.deferred, DEFERRED)
    return replace(
        base,
        cursor=cursor,
        recorded={k: v for k, v in sorted(recorded.items()) if v.stamp >= window_from},
        reread=reread,
        batch_id=change.batch_id,
        updated_at=format_ts(now),
        legacy_keys=[k for k in base.legacy_keys if k[1] >= window_from],
    )


def requeue_skipped(watermark: Watermark, skipped_batch: str, ids: list[str]) -> Watermark:
    """A skipped batch loses nothing: its versions are no longer recorded (unless a later batch
    recorded them again) and its ids go on the re-read list."""
    return replace(
        watermark,
        recorded={k: v for k, v in watermark.recorded.items() if v.batch_id != skipped_batch},
        reread={**dict.fromkeys(ids, SKIPPED), **watermark.reread},
        skips_applied=[*watermark.skips_applied, skipped_batch],
    )


# --- on S3 -------------------------------------------------------------------------------------
class WatermarkConflictError(RuntimeError):
    """The watermark changed since it was read (another writer): nothing was written."""


def _missing(exc: ClientError) -> bool:
    return exc.response["Error"]["Code"] in ("NoSuchKey", "404")


def read_watermark_versioned(cfg: JobConfig) -> tuple[Watermark | None, str | None]:
    """(the watermark, its ETag) — None, None before the first publication."""
    client = boto3.client("s3")
    try:
        response = client.get_object(Bucket=cfg.silver_bucket, Key=cfg.watermark_key)
    except ClientError as exc:
        if _missing(exc):
            return None, None
        raise
    return Watermark.from_json(response["Body"].read().decode()), response["ETag"]


def read_watermark(cfg: JobConfig) -> Watermark | None:
    return read_watermark_versioned(cfg)[0]


def write_watermark(cfg: JobConfig, watermark: Watermark, read_etag: str | None) -> None:
    """Replace the watermark only if it is still the version read (``read_etag``; None: only if
    there is none yet) and never with a cursor earlier than the stored one."""
    current, etag = read_watermark_versioned(cfg)
    if etag != read_etag:
        raise WatermarkConflictError(f"s3://{cfg.silver_bucket}/{cfg.watermark_key} changed")
    if current is not None and current.cursor > watermark.cursor:
        raise RuntimeError(f"watermark would move back from {current.cursor} to {watermark.cursor}")
    condition: dict[str, Any] = {"IfMatch": read_etag} if read_etag else {"IfNoneMatch": "*"}
    try:
        boto3.client("s3").put_object(
            Bucket=cfg.silver_bucket,
            Key=cfg.watermark_key,
            Body=watermark.to_json().encode(),
            ContentType="application/json",
            **condition,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
            raise WatermarkConflictError(str(exc)) from exc
        raise


def change_key(cfg: JobConfig, batch_id: str) -> str:
    return f"{cfg.batch_prefix(batch_id)}{CHANGE_NAME}"


def write_change(cfg: JobConfig, change: WatermarkChange) -> str:
    key = change_key(cfg, change.batch_id)
    boto3.client("s3").put_object(
        Bucket=cfg.silver_bucket,
        Key=key,
        Body=change.to_json().encode(),
        ContentType="application/json",
    )
    return key


def read_change(cfg: JobConfig, batch_id: str) -> WatermarkChange | None:
    try:
        body = boto3.client("s3").get_object(
            Bucket=cfg.silver_bucket, Key=change_key(cfg, batch_id)
        )["Body"]
    except ClientError as exc:
        if _missing(exc):
            return None
        raise
    return WatermarkChange.from_json(body.read().decode())
