"""The generated world for one (seed, N): hospitals, providers, patients, and the lookup tables
the generator draws from. Built once per run; its size grows with N but stays small (patients
are derived on demand from their id, never stored).

Entity maps are pre-built in DynamoDB's typed JSON form and shared between items: treat items
as read-only.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from healthetl.source import world_data as wd

TypedMap = dict[str, Any]

# The world's clock: generated activity ends here, so a generated item never lies in the future
# of any real run. Start dates fall in the three years before it.
AS_OF = datetime(2026, 1, 1)
START_WINDOW_DAYS = 3 * 365
# Day numbers count from this date; DAY_STRINGS[d] is its ISO date.
DAY_ZERO = date(2022, 1, 1)
DAY_STRINGS: list[str] = [(DAY_ZERO + timedelta(days=d)).isoformat() for d in range(366 * 12)]
AS_OF_SECOND = (AS_OF.date() - DAY_ZERO).days * 86_400
FIRST_START_DAY = (AS_OF.date() - DAY_ZERO).days - START_WINDOW_DAYS

_MASK64 = (1 << 64) - 1


def splitmix64(x: int) -> int:
    """A fast, well-mixed 64-bit hash: derives an entity's attributes from its id."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


# TIME_STRINGS[s] is "THH:MM:SSZ" for second s of a day (a table: formatting is the hot path).
TIME_STRINGS: list[str] = [
    f"T{h:02d}:{m:02d}:{s:02d}Z" for h in range(24) for m in range(60) for s in range(60)
]


def timestamp(second: int) -> str:
    """Seconds since DAY_ZERO → the contract's `YYYY-MM-DDTHH:MM:SSZ`."""
    day, rest = divmod(second, 86_400)
    return DAY_STRINGS[day] + TIME_STRINGS[rest]


def parse_timestamp(text: str) -> int:
    """The inverse of `timestamp` (for items read back by the changes command)."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    return int((moment - datetime(DAY_ZERO.year, DAY_ZERO.month, DAY_ZERO.day)).total_seconds())


def second_of(moment: datetime) -> int:
    """A naive-UTC datetime → seconds since DAY_ZERO."""
    return int((moment - datetime(DAY_ZERO.year, DAY_ZERO.month, DAY_ZERO.day)).total_seconds())


def decimal_text(hundredths: int) -> str:
    """An exact amount in hundredths → DynamoDB's normalised number text (no trailing zeros)."""
    sign = "-" if hundredths < 0 else ""
    whole, frac = divmod(abs(hundredths), 100)
    if frac == 0:
        return f"{sign}{whole}"
    if frac % 10 == 0:
        return f"{sign}{whole}.{frac // 10}"
    return f"{sign}{whole}.{frac:02d}"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int | str) -> dict[str, str]:
    return {"N": str(value)}


class Weighted:
    """Draw from fixed weights with one random() and a bisect."""

    def __init__(self, values: list[Any], weights: list[float]) -> None:
        self.cumulative: list[float] = []
        total = 0.0
        for weight in weights:
            total += weight
            self.cumulative.append(total)
        self.total = total

        # A sentinel copy of the last value: u * total may round up to total.
        self.values = [*values, values[-1]]

    def draw(self, u: float) -> Any:
        return self.values[bisect.bisect_right(self.cumulative, u * self.total)]


@dataclass(frozen=True)
class Provider:
    id: int
    speciality: int  # 1-based position in SPECIALITIES
    location: int  # 1-based position in LOCATIONS
    skill_permille: int  # added to the success probability: rankings mean something
    typed: TypedMap = field(repr=False)


@dataclass(frozen=True)
class Patient:
    id: int
    age: int
    gender: str
    primary_disease: int
    home_provider_pick: int
    typed: TypedMap = field(repr=False)


def _age_table() -> Weighted:
    # A hospital population: some children, mostly adults, many elderly.
    bands = [(0, 15, 14), (16, 29, 14), (30, 44, 17), (45, 64, 27), (65, 84, 24), (85, 100, 4)]
    ages: list[int] = []
    weights: list[float] = []
    for low, high, share in bands:
        for age in range(low, high + 1):
            ages.append(age)
            weights.append(share / (high - low + 1))
    return Weighted(ages, weights)


def _season_table() -> Weighted:
    # Winter peak (respiratory season), a summer dip, and mild growth over the three years.
    days = list(range(FIRST_START_DAY, FIRST_START_DAY + START_WINDOW_DAYS))
    weights = []
    for offset, day in enumerate(days):
        day_of_year = (DAY_ZERO + timedelta(days=day)).timetuple().tm_yday
        season = 1.0 + 0.28 * math.cos(2 * math.pi * (day_of_year - 20) / 365.25)
        weekday = (DAY_ZERO + timedelta(days=day)).weekday()
        weekly = 0.45 if weekday >= 5 else 1.0
        weights.append(season * weekly * (1.0 + 0.15 * offset / START_WINDOW_DAYS))
    return Weighted(days, weights)


def _disease_allowed(disease: tuple[int, str, str, str, str, str], band: int, gender: str) -> bool:
    speciality, name = disease[0], disease[1]
    speciality_name = wd.SPECIALITIES[speciality - 1][0]
    if band == 0:  # children
        return speciality_name in {
            "Pediatrics",
            "Infectious Diseases",
            "Allergy and Immunology",
            "Otolaryngology",
            "Dermatology",
            "Orthopedics",
        }
    if speciality_name == "Pediatrics":
        return False
    if speciality_name == "Geriatrics" and band != 2:
        return False
    if speciality_name == "Obstetrics and Gynecology" and gender != "Female":
        return False
    return not (name in {"Prostate Cancer", "Benign Prostatic Hyperplasia"} and gender == "Female")


class World:
    """Everything the generator draws from, for one seed and one N."""

    def __init__(self, seed: int, n: int) -> None:
        self.seed = seed
        self.n = n
        rng = random.Random(f"world:{seed}")
        self.patient_salt = splitmix64(seed ^ 0x5EED)
        self.patient_count = max(10, n * 10 // 32)
        self.frequent_patients = max(1, self.patient_count // 10)
        self.ages = _age_table()
        self.season = _season_table()
        self.genders = Weighted([g for g, _ in wd.GENDERS], [w for _, w in wd.GENDERS])

        self.specialities = [
            _typed({"id": _n(i), "name": _s(name)})
            for i, (name, _, _) in enumerate(wd.SPECIALITIES, start=1)
        ]
        self.type_tables = [
            Weighted(list(types), list(types.values())) for _, _, types in wd.SPECIALITIES
        ]
        self.diseases: list[TypedMap] = [
            {
                "M": {
                    "id": _n(i),
                    "speciality_id": _n(speciality),
                    "name": _s(name),
                    "type": _s(kind),
                    "severity": _s(severity),
                    "transmission_mode": _s(transmission),
                    "mortality_rate": _n(decimal_text(int(Decimal(mortality) * 100))),
                }
            }
            for i, (speciality, name, kind, severity, transmission, mortality) in enumerate(
                wd.DISEASES, start=1
            )
        ]
        self.disease_tables = self._disease_tables()
        self.locations: list[TypedMap] = [
            {"M": {"id": _n(i), "country": _s(c), "state": _s(s), "city": _s(city)}}
            for i, (c, s, city, _) in enumerate(wd.LOCATIONS, start=1)
        ]
        self.hospitals = self._hospitals(rng)
        self.providers, self.providers_by_speciality = self._providers(rng)

    def _disease_tables(self) -> dict[tuple[int, str], Weighted]:
        tables = {}
        provider_share = [share for _, share, _ in wd.SPECIALITIES]
        for band in (0, 1, 2):
            for gender, _ in wd.GENDERS:
                ids, weights = [], []
                for i, disease in enumerate(wd.DISEASES, start=1):
                    if _disease_allowed(disease, band, gender):
                        ids.append(i)
                        weights.append(float(provider_share[disease[0] - 1]))
                tables[(band, gender)] = Weighted(ids, weights)
        return tables

    def _hospitals(self, rng: random.Random) -> list[tuple[str, int]]:
        """(name, location) pairs; names are unique across the world."""
        count = max(12, min(self.n // 600, 360))
        by_share = Weighted(list(range(1, len(wd.LOCATIONS) + 1)), [w for *_, w in wd.LOCATIONS])
        used: set[str] = set()
        hospitals = []
        while len(hospitals) < count:
            location = by_share.draw(rng.random()) if len(hospitals) >= 32 else len(hospitals) + 1
            _, state, city, _ = wd.LOCATIONS[location - 1]
            name = f"{city} {rng.choice(wd.HOSPITAL_KINDS)}"
            if name in used:  # same city name in two states, or a second hospital of a kind
                name = f"{city} {rng.choice(wd.HOSPITAL_KINDS)} ({state})"
            if name in used:
                continue
            used.add(name)
            hospitals.append((name, location))
        return hospitals

    def _providers(self, rng: random.Random) -> tuple[list[Provider], list[list[Provider]]]:
        count = max(len(wd.SPECIALITIES) * 2, min(self.n // 60, 12_000))
        by_share = Weighted(
            list(range(1, len(wd.SPECIALITIES) + 1)), [s for _, s, _ in wd.SPECIALITIES]
        )
        hospital_pick = Weighted(
            list(range(len(self.hospitals))), [rng.uniform(0.3, 3.0) for _ in self.hospitals]
        )
        providers: list[Provider] = []
        by_speciality: list[list[Provider]] = [[] for _ in wd.SPECIALITIES]
        for provider_id in range(1, count + 1):
            # The first providers cover every speciality once, the rest follow the shares.
            if provider_id <= len(wd.SPECIALITIES):
                speciality = provider_id
            else:
                speciality = by_share.draw(rng.random())
            hospital_name, location = self.hospitals[hospital_pick.draw(rng.random())]
            name = f"{rng.choice(wd.FIRST_NAMES)} {rng.choice(wd.LAST_NAMES)}"
            skill = max(-200, min(200, round(rng.gauss(0, 75))))
            typed = {
                "M": {
                    "id": _n(provider_id),
                    "full_name": _s(name),
                    "speciality_id": _n(speciality),
                    "speciality_name": _s(wd.SPECIALITIES[speciality - 1][0]),
                    "affiliated_hospital": _s(hospital_name),
                }
            }
            provider = Provider(provider_id, speciality, location, skill, typed)
            providers.append(provider)
            by_speciality[speciality - 1].append(provider)
        return providers, by_speciality

    def draw_patient_id(self, rng: random.Random) -> int:
        # A tenth of the patients are frequent visitors and get about a third of the treatments.
        if rng.random() < 0.3:
            return 1 + int(rng.random() * self.frequent_patients)
        return 1 + int(rng.random() * self.patient_count)

    @lru_cache(maxsize=1 << 14)  # noqa: B019 - one World per run; bounded memory by design
    def patient(self, patient_id: int) -> Patient:
        h = splitmix64(self.patient_salt ^ patient_id)
        age = self.ages.draw((h & 0xFFFF) / 65536)
        gender = self.genders.draw(((h >> 16) & 0x3FF) / 1024)
        first = wd.FIRST_NAMES[(h >> 26) % len(wd.FIRST_NAMES)]
        last = wd.LAST_NAMES[(h >> 34) % len(wd.LAST_NAMES)]
        primary = self.disease_table(age, gender).draw(((h >> 42) & 0xFFFF) / 65536)
        typed = {
            "M": {
                "id": _n(patient_id),
                "full_name": _s(f"{first} {last}"),
                "gender": _s(gender),
                "age": _n(age),
            }
        }
        return Patient(patient_id, age, gender, primary, h >> 58, typed)

    def disease_table(self, age: int, gender: str) -> Weighted:
        band = 0 if age < 16 else (2 if age >= 65 else 1)
        return self.disease_tables[(band, gender)]


def _typed(fields: dict[str, Any]) -> TypedMap:
    return {"M": fields}
