"""The bench's targets (issue 8, on a 2-core machine) checked against one run's figures.

A target that does not apply at this N (e.g. the 600,000-only ones at 59,452) is reported with
`met = None`.
"""

from __future__ import annotations

from typing import Any

GIB_AS_MIB = 1024.0


def _stage(run: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    return next((row for row in run["stages"] if row["stage"].startswith(prefix)), None)


def evaluate(run: dict[str, Any]) -> list[dict[str, Any]]:
    n = run["n"]
    targets: list[dict[str, Any]] = []

    def add(target: str, measured: str, goal: str, met: bool | None) -> None:
        targets.append({"target": target, "measured": measured, "goal": goal, "met": met})

    e2e = run["end_to_end_seconds"]
    if n <= 100_000:
        add("end to end", f"{e2e:.1f} s", "≤ 60 s at 59,452", e2e <= 60)
    else:
        add("end to end", f"{e2e:.1f} s", "≤ 600 s at 600,000", e2e <= 600)

    share = run["incremental_seconds"] / e2e if e2e else 0.0
    after_seed = run.get("incremental_after_seed_seconds")
    first = f"; round 1, right after the seed: {after_seed / e2e:.0%}" if after_seed and e2e else ""
    add(
        "incremental 1 % (JVM starts included)",
        f"round 2 (steady state): {run['incremental_seconds']:.1f} s = {share:.0%} of full{first}",
        "≤ 25 % of a full run (at 600,000)",
        share <= 0.25 if n >= 600_000 else None,
    )

    extract = _stage(run, "extract")
    if extract and extract["ratio"] is not None:
        add(
            "extract vs raw 4-segment scan",
            f"{extract['rows_per_second']:,.0f} / {extract['limit_rows_per_second']:,.0f} "
            f"items/s = {extract['ratio']:.0%}",
            "≥ 80 %",
            extract["ratio"] >= 0.8,
        )

    load = _stage(run, "load:")
    direct = run["limits"]["direct_load"]
    direct_total = sum(direct["steps"].values())
    if load and direct_total:
        factor = load["seconds"] / direct_total
        add(
            "COPY+gold+analytics via pipeline vs direct",
            f"{load['seconds']:.1f} s vs {direct_total:.1f} s = {factor:.2f}×",
            "≤ 2×",
            factor <= 2.0,
        )

    python = run["peak_python_rss_mib"]
    add(
        "peak RSS of our Python processes (Σ at one moment)",
        f"{python:,.0f} MiB (with the Spark JVM: {run['peak_rss_mib']:,.0f} MiB)",
        "≤ 2 GiB (at 600,000)",
        python <= 2 * GIB_AS_MIB if n >= 600_000 else None,
    )
    return targets
