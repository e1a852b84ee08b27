"""The fingerprint's canonical form (treatment_jobs.versions), property-tested: the order in
which a service lists attributes, map keys and set members never changes it; any change of a
leaf does; the gsi_* attributes are not content."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from treatment_jobs.versions import disposition, fingerprint, fingerprint_of_text

pytestmark = pytest.mark.unit

texts = st.text(max_size=12)
leaves = st.one_of(
    texts.map(lambda t: {"S": t}),
    st.integers(-(10**20), 10**20).map(lambda n: {"N": str(n)}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.sets(texts, min_size=1, max_size=4).map(lambda s: {"SS": sorted(s)}),
    st.sets(st.integers(0, 99), min_size=1, max_size=4).map(
        lambda s: {"NS": sorted(str(n) for n in s)}
    ),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.dictionaries(texts, inner, max_size=4).map(lambda m: {"M": m}),
        st.lists(inner, max_size=4).map(lambda items: {"L": items}),
    ),
    max_leaves=12,
)
items = st.dictionaries(st.text(min_size=1, max_size=8), values, min_size=1, max_size=6)


def _shuffled(value, rng: random.Random):
    """The same content listed in another order: attributes, map keys and set members."""
    if isinstance(value, dict):
        if len(value) == 1:
            ((kind, inner),) = value.items()
            if kind in ("SS", "NS", "BS"):
                return {kind: rng.sample(inner, len(inner))}
            if kind == "L":
                return {"L": [_shuffled(v, rng) for v in inner]}
        keys = rng.sample(list(value), len(value))
        return {k: _shuffled(value[k], rng) for k in keys}
    return value


@seed(20261206)
@settings(max_examples=150, deadline=None)
@given(items, st.randoms(use_true_random=False))
def test_listing_order_never_changes_the_version(item, rng) -> None:
    assert fingerprint(_shuffled(item, rng)) == fingerprint(item)
    assert fingerprint_of_text(json.dumps(_shuffled(item, rng))) == fingerprint(item)


@seed(20261206)
@settings(max_examples=150, deadline=None)
@given(items, st.text(max_size=12))
def test_any_changed_leaf_is_another_version(item, text) -> None:
    changed = {**item, "zz_changed": {"S": text}}
    assert fingerprint(changed) != fingerprint(item)
    restamped = {**item, "gsi_modified_at": {"S": text}, "gsi_modified_day": {"S": text}}
    assert fingerprint(restamped) == fingerprint(item)


def test_only_a_near_future_date_alone_defers() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 11, 20, 12, tzinfo=UTC)

    def item(added: str, modified: str) -> str:
        return json.dumps(
            {"metadata": {"M": {"added_at": {"S": added}, "modified_at": {"S": modified}}}}
        )

    day = timedelta(hours=24)
    soon = item("2026-11-20T11:00:00Z", "2026-11-20T13:00:00Z")
    assert disposition(soon, "R6", start, day) == "deferred"
    assert disposition(soon, "R4,R6", start, day) == "rejected"  # broken for another reason too
    far = item("2026-11-20T11:00:00Z", "2026-11-21T12:00:01Z")
    assert disposition(far, "R6", start, day) == "rejected"  # beyond the horizon: for good
    edge = item("2026-11-20T11:00:00Z", "2026-11-21T12:00:00Z")
    assert disposition(edge, "R6", start, day) == "deferred"
    backwards = item("2026-11-20T14:00:00Z", "2026-11-20T13:00:00Z")
    assert disposition(backwards, "R6", start, day) == "rejected"  # added after modified
