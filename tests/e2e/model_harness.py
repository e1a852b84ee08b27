"""The model-based test's harness: a source table driven on a simulated clock, the real first half
(extract → transform → publish, crashes injected between its publication points), the real load
steps run in-process in the orders the harness chooses (in order, late, duplicated, replayed,
skipped), and the model: what the table held at every extract's start.

The invariant it checks (docs/exactly-once.md): when the sequence settles, for every treatment
the warehouse holds the latest valid version among those an ideal, windowless publisher would
have published in batches that were not skipped (latest by metadata.modified_at, then by
extract), the 7 tables equal a computation over those versions, and every rejected version is
held exactly once (``Harness.expected``).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
from spark.items import N, S, put_items, valid_item
from treatment_jobs.config import JobConfig
from treatment_jobs.extract_lock import extract_lock
from treatment_jobs.jobs import run_extract, run_first_half
from treatment_jobs.publish import (
    batch_summary,
    upload_data_files,
    write_batch_summary,
    write_manifests,
)
from treatment_jobs.state import write_change
from treatment_jobs.transform_stage import run_transform
from treatment_jobs.versions import fingerprint

IDS = 24
PROVIDERS = [(1, "Dr Ada One"), (2, "Dr Bo Two"), (3, "Dr Cy Three")]
LOCATIONS = [(1, "Spain", "Madrid", "Madrid"), (2, "France", "Ile-de-France", "Paris")]
STATUSES = ["Successful", "Failed", "Partially Successful", "Ongoing"]
CRASH_POINTS = ("after_files", "after_manifests", "after_change", "after_summary")


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Version:
    item: dict[str, Any]
    valid: bool  # by the rules other than R6's future date
    modified_at: datetime

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.item)


@dataclass
class Extract:
    start: datetime
    current: dict[int, Version]  # the table's content at its start
    batch_id: str | None  # None: it published nothing
    skipped: bool = False


@dataclass
class Harness:
    cfg: JobConfig
    spark: Any
    load: Any  # (batch_id, summary, execution_name) -> None: the copy, gold, analytics steps
    rng: random.Random
    clock: datetime
    table: dict[int, Version] = field(default_factory=dict)
    history: dict[int, list[Version]] = field(default_factory=dict)
    extracts: list[Extract] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # published, not loaded yet
    loaded: list[str] = field(default_factory=list)
    # (how many extracts had completed when it was written, the skipped batch)
    skips_written: list[tuple[int, str]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    # --- the source -------------------------------------------------------------------------
    def _write(self, treatment_id: int, version: Version, stamp: datetime) -> None:
        item = copy.deepcopy(version.item)
        item["gsi_modified_at"] = S(_ts(stamp))
        item["gsi_modified_day"] = S(_ts(stamp)[:10])
        put_items(boto3.client("dynamodb"), self.cfg.table_name, [item])
        self.table[treatment_id] = version
        self.history.setdefault(treatment_id, []).append(version)

    def _new_content(self, treatment_id: int, modified_at: datetime, valid: bool) -> Version:
        rng = self.rng
        provider_id, provider_name = rng.choice(PROVIDERS)
        location_id, country, state, city = rng.choice(LOCATIONS)
        status = rng.choice(STATUSES)
        item = valid_item(
            treatment_id,
            treatment__cost=N(f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"),
            provider__id=N(provider_id),
            provider__full_name=S(provider_name),
            location__id=N(location_id),
            location__country=S(country),
            location__state=S(state),
            location__city=S(city),
        )
        treatment = item["treatment"]["M"]
        treatment["outcome_status"] = S(status)
        if status == "Ongoing":
            for key in ("completion_date", "outcome_date", "duration_in_days"):
                treatment.pop(key)
        item["metadata"]["M"]["added_at"] = S("2024-01-01T00:00:00Z")
        item["metadata"]["M"]["modified_at"] = S(_ts(modified_at))
        if not valid:  # breaks R4 (a lowercase type) or R5 (a wrong duration)
            if status != "Ongoing" and rng.random() < 0.5:
                treatment["duration_in_days"] = N(99)
            else:
                treatment["type"] = S("surgery")
        return Version(item, valid, modified_at)

    def write(self) -> None:
        rng = self.rng
        treatment_id = rng.randint(1, IDS)
        current = self.table.get(treatment_id)
        kind = rng.choices(
            ["change", "same_second", "back", "invalid", "future"], [50, 12, 8, 15, 15]
        )[0]
        stamp = self.clock
        if kind == "same_second" and current is not None and current.modified_at == self.clock:
            version = self._new_content(treatment_id, self.clock, valid=True)
        elif kind == "back" and len(self.history.get(treatment_id, [])) >= 2:
            version = rng.choice(self.history[treatment_id][:-1])  # an earlier content, exactly
        elif kind == "invalid":
            version = self._new_content(treatment_id, self.clock, valid=False)
        elif kind == "future":
            ahead = timedelta(seconds=rng.randint(6 * 60, 2 * 3600))
            version = self._new_content(treatment_id, self.clock + ahead, valid=True)
        else:
            kind = "change"
            version = self._new_content(treatment_id, self.clock, valid=True)
        self._write(treatment_id, version, stamp)
        self.log.append(f"{_ts(self.clock)} write {kind} {treatment_id}")

    # --- the first half -------------------------------------------------------------------------
    def extract(self) -> None:
        snapshot = dict(self.table)
        result = run_first_half(self.spark, self.cfg, started=self.clock)
        batch_id = result.transform.batch_id if result.publish else None
        self.extracts.append(Extract(self.clock, snapshot, batch_id))
        if batch_id:
            self.pending.append(batch_id)
        self.log.append(f"{_ts(self.clock)} extract -> {batch_id}")

    def crash(self) -> None:
        """A run that dies at one of the publication points."""
        point = self.rng.choice(CRASH_POINTS)
        snapshot = dict(self.table)
        with extract_lock(self.cfg, "a run that dies"):
            extracted = run_extract(self.spark, self.cfg, started=self.clock)
            if extracted.items == 0:
                self.extracts.append(Extract(self.clock, snapshot, None))
                return
            transformed = run_transform(self.spark, self.cfg, extracted.batch_id)
            files = upload_data_files(self.cfg, transformed.batch_id, ("valid", "rejected"))
            if point != "after_files":
                manifests = write_manifests(self.cfg, transformed.batch_id, files)
            if point in ("after_change", "after_summary"):
                write_change(self.cfg, transformed.watermark_change())
            if point == "after_summary":
                write_batch_summary(self.cfg, batch_summary(transformed, files, manifests))
                # Published: the S3 event fires; only the watermark is missing.
                self.extracts.append(Extract(self.clock, snapshot, transformed.batch_id))
                self.pending.append(transformed.batch_id)
        self.log.append(f"{_ts(self.clock)} crash {point} ({extracted.batch_id})")

    # --- the load -------------------------------------------------------------------------------
    def _summary(self, batch_id: str) -> dict[str, Any]:
        key = f"{self.cfg.batch_prefix(batch_id)}{self.cfg.batch_summary_name}"
        body = boto3.client("s3").get_object(Bucket=self.cfg.silver_bucket, Key=key)["Body"]
        return json.loads(body.read())

    def _load(self, batch_id: str, execution_name: str) -> None:
        try:
            summary = self._summary(batch_id)
        except Exception as exc:
            raise AssertionError(
                f"{batch_id} pending without _batch.json:\n" + "\n".join(self.log)
            ) from exc
        self.load(batch_id, summary, execution_name)
        if batch_id not in self.loaded:
            self.loaded.append(batch_id)
        self.log.append(f"load {execution_name}")

    def load_in_order(self) -> None:
        while self.pending:
            batch_id = self.pending.pop(0)
            self._load(batch_id, batch_id)

    def load_late(self) -> None:
        """The second pending batch's event arrives first; the first one's late."""
        if len(self.pending) >= 2:
            first, second = self.pending.pop(0), self.pending.pop(0)
            self._load(second, second)
            self._load(first, first)

    def duplicate_or_replay(self) -> None:
        if not self.loaded:
            return
        batch_id = self.rng.choice(self.loaded)
        replay = self.rng.random() < 0.5
        self._load(batch_id, f"{batch_id}-r{self.rng.randint(1, 99)}" if replay else batch_id)

    def skip(self) -> None:
        """An operator skips the first pending batch (it failed and was never loaded)."""
        if not self.pending:
            return
        batch_id = self.pending.pop(0)
        boto3.client("s3").put_object(
            Bucket=self.cfg.silver_bucket,
            Key=f"{self.cfg.skipped_batches_prefix}{batch_id}",
            Body=b'{"reason": "model-based test"}',
        )
        for extract in self.extracts:
            if extract.batch_id == batch_id:
                extract.skipped = True
        self.skips_written.append((len(self.extracts), batch_id))
        self.log.append(f"skip {batch_id}")

    # --- the run --------------------------------------------------------------------------------
    def step(self) -> None:
        self.clock += timedelta(seconds=self.rng.choice([0, 0, 1, 5, 30, 90, 400]))
        action = self.rng.choices(
            [self.write, self.extract, self.load_in_order, self.load_late,
             self.duplicate_or_replay, self.crash, self.skip],
            [55, 16, 10, 4, 5, 5, 5],
        )[0]  # fmt: skip
        action()

    def settle(self) -> None:
        """Past every future date: extract and load until nothing is left to publish."""
        self.clock += timedelta(hours=3)
        for _ in range(4):
            self.load_in_order()
            before = len(self.pending)
            self.extract()
            self.clock += timedelta(seconds=30)
            if len(self.pending) == before:
                break
        self.load_in_order()

    # --- the model ------------------------------------------------------------------------------
    def expected(self) -> tuple[dict[int, Version], set[tuple[int, str]]]:
        """(the version each treatment must have in the warehouse, the rejected versions held).

        The ideal the pipeline must reach, with no overlap window or index in it: each extract,
        in order, publishes for every id the version current at its start unless that version is
        the last one published for the id (and was not lost to a skip); a version dated beyond
        its start + 5 minutes is deferred (published as such, never recorded) and looked at
        again by every later extract; a skip, applied by the next extract, forgets the versions
        the skipped batch was the last to publish and looks at all its ids again."""
        published: dict[int, tuple[str, int]] = {}  # id -> (fingerprint, extract index)
        best: dict[int, tuple[tuple[datetime, int], Version]] = {}
        rejected: set[tuple[int, str]] = set()
        skipped_at = {e.batch_id: i for i, e in enumerate(self.extracts) if e.skipped}
        applied: set[str] = set()
        for order, extract in enumerate(self.extracts):
            for written_before, batch_id in self.skips_written:
                if written_before <= order and batch_id not in applied:
                    applied.add(batch_id)
                    skipped = skipped_at[batch_id]
                    for treatment_id, (_, by) in list(published.items()):
                        if by == skipped:
                            del published[treatment_id]
            for treatment_id, version in extract.current.items():
                deferred = version.valid and version.modified_at > extract.start + FIVE_MINUTES
                known = published.get(treatment_id)
                if deferred or (known is not None and known[0] == version.fingerprint):
                    continue
                published[treatment_id] = (version.fingerprint, order)
                if extract.skipped:
                    continue  # published, but never loaded
                if not version.valid:
                    rejected.add((treatment_id, version.fingerprint))
                    continue
                key = (version.modified_at, order)
                if treatment_id not in best or key > best[treatment_id][0]:
                    best[treatment_id] = (key, version)
        return {k: v for k, (_, v) in best.items()}, rejected


FIVE_MINUTES = timedelta(minutes=5)
