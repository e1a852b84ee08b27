"""Shared pytest configuration. Each area's fixtures live in its own plugin module under
tests/fixtures/, so that fixtures shared across folders (the estate, the one Spark session, the
warehouse) are defined once."""

pytest_plugins = [
    "fixtures.estate",
    "fixtures.warehouse",
    "fixtures.spark",
    "fixtures.source",
    "fixtures.pipeline",
]
