"""Hypothesis strategies for items DynamoDB can store: mostly valid items with a few mutations
(boundary values, any type, dropped and NULL fields, big strings), in batches. Used by the load
property test."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from spark.load_contract_oracle import (
    CONTRACT,
    MAX_ID,
    NUL,
    SEVERITIES,
    START,
    STATUSES,
    TYPES,
)

# --- generating items DynamoDB can store ---------------------------------------------------
# Valid Unicode scalar values only (DynamoDB refuses lone surrogates), with control, format,
# combining, astral and CSV-special characters drawn often.
SPECIAL = "\n\r\t\x1b\x7f\x85 ,;\"'\\.é€😀\U0010ffff\ufeff\u2028\u0301"
CHARS = st.one_of(
    st.sampled_from(SPECIAL),
    st.characters(exclude_categories=("Cs",), exclude_characters=NUL),
)
ANY_CHARS = st.one_of(st.just(NUL), CHARS)
ANY_TEXT = st.text(ANY_CHARS, max_size=6)
UNITS = ("a", "é", "€", "😀", "\n", "\u0301")  # 1, 2, 3, 4, 1, 2 bytes in UTF-8


@st.composite
def sized_text(draw: Any, size: int) -> str:
    """A string of exactly ``size`` UTF-8 bytes: a short drawn head, then a repeated
    multi-byte unit, then ASCII padding."""
    head = draw(st.text(CHARS, max_size=2))
    unit = draw(st.sampled_from(UNITS))
    rest = size - len(head.encode("utf-8"))
    width = len(unit.encode("utf-8"))
    return head + unit * (rest // width) + "a" * (rest % width)


# DynamoDB numbers (38 significant digits, 1E-130 to below 1E+126), in several spellings.
BOUNDARY_NUMBERS = (
    "0", "1", "2", "-1", "-0", "0.00", "1E+2", "1.00E+2", "5E-1", "2147483647", "2147483648",
    "4294967296", "9223372036854775807", "9223372036854775808", "1000000000", "999999999.99",
    "999999999.999", "1000000000.00", "0.001", "12.345", "12.340", "100", "100.00", "100.01",
    "99.99", "120", "121", "120.0", "-0.01", "1E-130", "-1E-130", "1.000000000000000000000000001",
    "9.9999999999999999999999999999999999999E+125", "12345678901234567890123456789012345678",
)  # fmt: skip
BOUNDARY_TIMESTAMPS = (
    "2024-02-29T00:00:00Z", "2000-02-29T23:59:59Z", "1900-02-29T00:00:00Z",
    "2023-02-29T12:00:00Z", "2024-04-31T00:00:00Z", "2024-12-31T23:59:59Z",
    "2024-12-31T23:59:60Z", "2024-01-01T24:00:00Z", "2024-01-01T23:60:00Z",
    "2024-03-01T09:00:00.5Z", "2024-03-01T09:00:00.000000Z", "2024-03-01T09:00:00+00:00",
    "2024-03-01T09:00:00-05:00", "2024-03-01T09:00:00z", "2024-03-01 09:00:00Z",
    "2024-03-01T09:00:00", "2024-3-01T09:00:00Z", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z", "２０２４-03-01T09:00:00Z", "2024-03-01T09:00:00Z\n",
    " 2024-03-01T09:00:00Z", "2024-03-01T09:00:00Z\x00", "2026-11-26T12:05:00Z",
    "2026-11-26T12:05:01Z", "2026-11-27T12:00:00Z", "2024-02-29", "",
)  # fmt: skip
BOUNDARY_IDS = (1, 2, 2**31 - 1, 2**31, 2**32, 10**9, 2**62, MAX_ID)
SMALL_IDS = st.one_of(st.sampled_from(BOUNDARY_IDS), st.integers(1, 999))
KEY_IDS = st.one_of(st.sampled_from(BOUNDARY_IDS), st.integers(1, MAX_ID))


def spelled(value: Fraction | int, form: str) -> str:
    """An exact number as DynamoDB accepts it: plain, with trailing zeros, or 1.5E+3 style."""
    text = str(value) if isinstance(value, int) else _plain(value)
    if form == "zeros":
        return text + ("0" if "." in text else ".00")
    if form == "exponent":
        return _exponent(text)
    return text


def _plain(value: Fraction) -> str:
    whole, cents = divmod(value * 100, 1)
    assert cents == 0, value
    sign, digits = ("-" if whole < 0 else ""), str(abs(int(whole))).rjust(3, "0")
    return f"{sign}{digits[:-2]}.{digits[-2:]}"


def _exponent(text: str) -> str:
    """``123.45`` → ``1.2345E+2`` (the same number)."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.partition(".")
    significant = (whole + fraction).lstrip("0") or "0"
    exponent = (
        len(whole.lstrip("0")) - 1
        if whole.lstrip("0")
        else -(len(fraction) - len(fraction.lstrip("0")) + 1)
    )
    if significant == "0":
        return f"{sign}0E+0"
    mantissa = significant[0] + ("." + significant[1:] if len(significant) > 1 else "")
    return f"{sign}{mantissa}E{exponent:+d}"


def S(text: str) -> dict:  # noqa: N802 (DynamoDB type name)
    return {"S": text}


def N(text: str) -> dict:  # noqa: N802 (DynamoDB type name)
    return {"N": text}


def _ts(moment: datetime) -> dict:
    return S(f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}Z")


STARTS = (
    datetime(2024, 2, 29, 0, 0, 0),
    datetime(2024, 2, 29, 23, 59, 59),
    datetime(2000, 2, 29, 12, 0, 0),
    datetime(2023, 12, 31, 23, 59, 59),
    datetime(2024, 3, 1, 9, 0, 0),
    datetime(1, 1, 1, 0, 0, 0),
    datetime(2026, 11, 26, 12, 4, 59),
)
STEPS = (
    timedelta(0),
    timedelta(seconds=1),
    timedelta(hours=23, minutes=59, seconds=59),
    timedelta(days=1),
    timedelta(days=366),
)
MODIFIED = (
    START + timedelta(minutes=5),
    START,
    START - timedelta(seconds=1),
    datetime(2024, 2, 29, 23, 59, 59),
    datetime(1, 1, 1, 0, 0, 1),
)


COSTS = st.one_of(
    st.sampled_from((0, 1, 99_999_999_999, 123_456, 100_000_000_000 - 100)),
    st.integers(0, 10**11 - 1),
).map(lambda cents: Fraction(cents, 100))
RATES = st.sampled_from((0, 1, 250, 9_999, 10_000)).map(lambda cents: Fraction(cents, 100))
TEXTS = {  # the free-text fields of a valid item: (map, field) -> (limit, a default)
    ("provider", "full_name"): (256, "Dr. Ana Müller"),
    ("provider", "speciality_name"): (128, "Cardiology"),
    ("provider", "affiliated_hospital"): (256, "St. Mary's, Inc."),
    ("location", "country"): (64, "Spain"),
    ("location", "state"): (64, "Île-de-France"),
    ("location", "city"): (128, "Zürich"),
    ("patient", "full_name"): (256, "李小龍"),
    ("patient", "gender"): (32, "Female"),
    ("disease", "name"): (128, "Arrhythmia"),
    ("disease", "type"): (64, "Cardiovascular"),
    ("disease", "transmission_mode"): (64, "Non-communicable"),
}


@st.composite
def valid_item(draw: Any) -> dict:
    """An item that passes every rule: boundary ids, amounts and dates, numbers in one of three
    spellings, and up to two texts redrawn (any Unicode but NUL, or exactly their byte limit).
    Few choices per item, so that a batch fits hypothesis's budget."""
    tid, dim = draw(KEY_IDS), draw(SMALL_IDS)
    form = draw(st.sampled_from(("plain", "zeros", "exponent")))
    status = draw(st.sampled_from(STATUSES))
    start = draw(st.sampled_from(STARTS))
    completion = start + draw(st.sampled_from(STEPS))
    outcome = completion + draw(st.sampled_from(STEPS))
    modified = draw(st.sampled_from(MODIFIED))
    step = draw(st.sampled_from(STEPS[:4]))
    added = modified - step if modified - datetime.min >= step else datetime.min
    texts = {key: S(default) for key, (_, default) in TEXTS.items()}
    for _ in range(draw(st.sampled_from((0, 1, 1, 2)))):
        key = draw(st.sampled_from(tuple(TEXTS)))
        limit = TEXTS[key][0]
        texts[key] = S(draw(st.one_of(st.text(CHARS, min_size=1, max_size=6), sized_text(limit))))

    def number(value: Fraction | int) -> dict:
        return N(spelled(value, form))

    def fields(map_name: str, **others: dict) -> dict:
        return {"M": {**others, **{f: v for (m, f), v in texts.items() if m == map_name}}}

    treatment = {
        "id": number(tid),
        "start_date": _ts(start),
        "outcome_status": S(status),
        "cost": number(draw(COSTS)),
        "type": S(draw(st.sampled_from(TYPES))),
    }
    if status != "Ongoing":
        treatment["completion_date"] = _ts(completion)
        treatment["outcome_date"] = _ts(outcome)
        treatment["duration_in_days"] = number((completion.date() - start.date()).days)
    elif draw(st.booleans()):
        treatment["completion_date"], treatment["outcome_date"] = {"NULL": True}, {"NULL": True}
    return {
        "treatment_id": N(str(tid)),
        "treatment": {"M": treatment},
        "provider": fields("provider", id=number(dim), speciality_id=number(dim)),
        "location": fields("location", id=number(dim)),
        "patient": fields(
            "patient", id=number(dim), age=number(draw(st.sampled_from((0, 1, 42, 120))))
        ),
        "disease": fields(
            "disease",
            id=number(dim),
            speciality_id=number(dim),
            severity=S(draw(st.sampled_from(SEVERITIES))),
            mortality_rate=number(draw(RATES)),
        ),
        "metadata": {"M": {"added_at": _ts(added), "modified_at": _ts(modified)}},
        "gsi_modified_at": _ts(modified),
        "gsi_modified_day": S(_ts(modified)["S"][:10]),
    }


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


NUMBERS = st.one_of(st.sampled_from(BOUNDARY_NUMBERS), st.integers(-(10**6), 10**6).map(str))
SCALARS = st.one_of(
    ANY_TEXT.map(S),
    NUMBERS.map(N),
    st.binary(max_size=4).map(lambda b: {"B": _b64(b)}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(st.text(ANY_CHARS, min_size=1, max_size=3), min_size=1, max_size=3, unique=True).map(
        lambda v: {"SS": v}
    ),
    st.lists(NUMBERS, min_size=1, max_size=3, unique_by=Fraction).map(lambda v: {"NS": v}),
    st.lists(st.binary(min_size=1, max_size=3), min_size=1, max_size=3, unique=True).map(
        lambda v: {"BS": [_b64(b) for b in v]}
    ),
)
NAMES = st.text(ANY_CHARS, min_size=1, max_size=4)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.dictionaries(NAMES, inner, max_size=3).map(lambda m: {"M": m}),
        st.lists(inner, max_size=3).map(lambda v: {"L": v}),
    ),
    max_leaves=4,
)
RESERVED = {
    *CONTRACT,
    "treatment_id",
    "gsi_modified_at",
    "gsi_modified_day",
    "deleted_at",
    "_probe",
}
LEAVES = [(m, f) for m, fields in CONTRACT.items() for f in fields]


@st.composite
def boundary_value(draw: Any, kind: str, field: str) -> dict:
    """A value at or just past an edge of the field's kind (valid or not)."""
    if kind == "ts":
        return S(draw(st.sampled_from(BOUNDARY_TIMESTAMPS)))
    if kind.startswith("text:"):
        limit = int(kind[5:])
        closed = {"type": TYPES, "outcome_status": STATUSES, "severity": SEVERITIES}.get(field)
        options = [
            st.just(""),
            st.sampled_from((NUL, f"a{NUL}", f"{NUL}b", " ", "\t")),
            sized_text(limit),
            sized_text(limit + 1),
            st.sampled_from(UNITS[1:4]).map(lambda u: u * (limit // len(u.encode()) + 1)),
            ANY_TEXT,
        ]
        if closed:
            options.append(
                st.sampled_from(closed).flatmap(
                    lambda v: st.sampled_from((v.lower(), v.upper(), v + " ", v + NUL, v))
                )
            )
        return S(draw(st.one_of(*options)))
    text = draw(NUMBERS)
    return S(text) if draw(st.integers(0, 9)) == 0 else N(text)


# Mutations of one leaf (picked at random) or of the whole item; "edge" is drawn most.
OPERATIONS = ("edge", "edge", "edge", "edge", "any", "drop", "null", "status", "key", "map", "big")
MAP_VALUES = ({"NULL": True}, S("x"), {"L": []}, {"M": {}}, None)  # None: the map is absent


@st.composite
def stored_item(draw: Any) -> dict:
    """A valid item, then (about half the time) one to three mutations, and now and then
    unknown attributes and map keys (any type, NUL included), which readers ignore."""
    item = draw(valid_item())
    for _ in range(draw(st.sampled_from((0, 0, 0, 0, 1, 1, 1, 2, 3)))):
        op = draw(st.sampled_from(OPERATIONS))
        map_name, field = draw(st.sampled_from(LEAVES))
        if op == "status":  # R5 when the closing fields no longer fit
            map_name, field = "treatment", "outcome_status"
        members = item.get(map_name, {}).get("M")
        if op == "map":
            item[map_name] = draw(st.one_of(st.sampled_from(MAP_VALUES), ANY_VALUE))
            if item[map_name] is None:
                del item[map_name]
        elif op == "key":
            item["treatment_id"] = N(draw(st.sampled_from(BOUNDARY_NUMBERS[:16])))
        elif op == "big":  # a raw item over the 60,000-byte cut
            item["notes"] = S(draw(sized_text(60_001 + draw(st.integers(0, 3)))))
        elif members is None:
            continue
        elif op == "status":
            members[field] = S(draw(st.sampled_from(STATUSES)))
        elif op == "drop":
            members.pop(field, None)
        elif op == "null":
            members[field] = {"NULL": True}
        elif op == "any":
            members[field] = draw(ANY_VALUE)
        else:
            members[field] = draw(boundary_value(CONTRACT[map_name][field][0], field))
    if draw(st.integers(0, 3)) == 0:
        extras = draw(st.dictionaries(NAMES, ANY_VALUE, min_size=1, max_size=2))
        item.update({k: v for k, v in extras.items() if k not in RESERVED})
        map_name = draw(st.sampled_from(tuple(CONTRACT)))
        members = item.get(map_name, {}).get("M")
        if isinstance(members, dict):
            key, value = draw(NAMES), draw(ANY_VALUE)
            if key not in CONTRACT[map_name]:
                members[key] = value
    return item


def _key_value(item: dict) -> Fraction:
    return Fraction(item["treatment_id"]["N"])


class Batch(list):
    """A batch of items whose repr stays short: the test prints the failing item itself."""

    def __repr__(self) -> str:
        return f"<{len(self)} items>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's printer
        printer.text(repr(self))


ITEM_BATCHES = st.lists(stored_item(), min_size=40, max_size=70, unique_by=_key_value).map(Batch)
