"""The 7 analytical tables computed independently, in pure Python, from source items.

Written from contracts/analytics.md alone (never from our SQL): exact Decimal arithmetic,
rounding half away from zero once, RANK() semantics, latest-version names per provider and
location. Items are in DynamoDB's typed form, as the generator and the source table hold them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Treatment:
    treatment_id: int
    start: datetime
    status: str
    cost: Decimal
    type: str
    provider_id: int
    provider_name: str
    speciality_name: str
    location_id: int
    country: str
    state: str
    city: str
    patient_id: int
    modified_at: str


def _s(m: dict[str, Any], key: str) -> str:
    return m[key]["S"]


def _n(m: dict[str, Any], key: str) -> str:
    return m[key]["N"]


def flatten(item: dict[str, Any]) -> Treatment:
    t, p, loc = item["treatment"]["M"], item["provider"]["M"], item["location"]["M"]
    return Treatment(
        treatment_id=int(item["treatment_id"]["N"]),
        start=datetime.strptime(_s(t, "start_date"), "%Y-%m-%dT%H:%M:%SZ"),
        status=_s(t, "outcome_status"),
        cost=Decimal(_n(t, "cost")),
        type=_s(t, "type"),
        provider_id=int(_n(p, "id")),
        provider_name=_s(p, "full_name"),
        speciality_name=_s(p, "speciality_name"),
        location_id=int(_n(loc, "id")),
        country=_s(loc, "country"),
        state=_s(loc, "state"),
        city=_s(loc, "city"),
        patient_id=int(_n(item["patient"]["M"], "id")),
        modified_at=_s(item["metadata"]["M"], "modified_at"),
    )


def rounded(numerator: Decimal | int, denominator: Decimal | int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def ranks(values: list[Any]) -> list[int]:
    """RANK() over values ordered descending: ties share, the next rank skips."""
    ordered = sorted(values, reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[v] for v in values]


def _latest(treatments: Iterable[Treatment], key: str) -> dict[int, Treatment]:
    best: dict[int, Treatment] = {}
    for t in treatments:
        k = getattr(t, key)
        if k not in best or (t.modified_at, t.treatment_id) > (
            best[k].modified_at,
            best[k].treatment_id,
        ):
            best[k] = t
    return best


def _rate(successful: int, completed: int) -> Decimal | None:
    return rounded(100 * successful, completed) if completed else None


def expected_tables(items: Iterable[dict[str, Any]]) -> dict[str, set[tuple[Any, ...]]]:
    """Contract columns of each table, as a set of row tuples (column order of analytics.md)."""
    treatments = [flatten(i) for i in items]
    total_all = len(treatments)
    provider_latest = _latest(treatments, "provider_id")
    location_latest = _latest(treatments, "location_id")
    tables: dict[str, set[tuple[Any, ...]]] = {}

    per_provider: dict[int, list[Treatment]] = defaultdict(list)
    for t in treatments:
        per_provider[t.provider_id].append(t)
    providers = sorted(per_provider)
    totals = [len(per_provider[p]) for p in providers]
    tables["provider_treatment_rank"] = {
        (
            p,
            provider_latest[p].provider_name,
            provider_latest[p].speciality_name,
            total,
            rank,
        )
        for p, total, rank in zip(providers, totals, ranks(totals), strict=True)
    }
    stats = {}
    for p in providers:
        completed = sum(1 for t in per_provider[p] if t.status != "Ongoing")
        successful = sum(1 for t in per_provider[p] if t.status == "Successful")
        stats[p] = (completed, successful)
    tables["summary_provider_success_rates"] = {
        (
            p,
            provider_latest[p].provider_name,
            provider_latest[p].speciality_name,
            len(per_provider[p]),
            stats[p][0],
            stats[p][1],
            _rate(stats[p][1], stats[p][0]),
        )
        for p in providers
    }
    ranked = [p for p in providers if stats[p][0] >= 10]
    rates = [_rate(stats[p][1], stats[p][0]) for p in ranked]
    tables["provider_success_rate_rank"] = {
        (p, provider_latest[p].provider_name, stats[p][0], stats[p][1], rate, rank)
        for p, rate, rank in zip(ranked, rates, ranks(rates), strict=True)
    }

    per_month: dict[date, list[Treatment]] = defaultdict(list)
    for t in treatments:
        per_month[date(t.start.year, t.start.month, 1)].append(t)
    monthly = set()
    for month, group in per_month.items():
        completed = sum(1 for t in group if t.status != "Ongoing")
        successful = sum(1 for t in group if t.status == "Successful")
        monthly.add(
            (month, month.year, month.month, len(group), completed, successful,
             _rate(successful, completed))
        )  # fmt: skip
    tables["monthly_treatment_trends"] = monthly

    def place(t: Treatment) -> Treatment:
        return location_latest[t.location_id]

    per_state: dict[tuple[str, str], list[Treatment]] = defaultdict(list)
    per_city: dict[tuple[str, str, str], int] = defaultdict(int)
    for t in treatments:
        where = place(t)
        per_state[(where.country, where.state)].append(t)
        per_city[(where.country, where.state, where.city)] += 1
    tables["geographical_treatment_distribution"] = {
        (
            country,
            state,
            len(group),
            rounded(100 * len(group), total_all),
            len({t.patient_id for t in group}),
            sum((t.cost for t in group), Decimal("0")),
        )
        for (country, state), group in per_state.items()
    }
    cities = sorted(per_city)
    city_totals = [per_city[c] for c in cities]
    tables["summary_total_treatments_per_city"] = {
        (*c, total, rank)
        for c, total, rank in zip(cities, city_totals, ranks(city_totals), strict=True)
    }

    per_type: dict[str, list[Decimal]] = defaultdict(list)
    for t in treatments:
        per_type[t.type].append(t.cost)
    tables["summary_avg_treatment_cost"] = {
        (kind, len(costs), rounded(sum(costs), len(costs)), min(costs), max(costs), sum(costs))
        for kind, costs in per_type.items()
    }
    return tables
