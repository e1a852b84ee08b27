"""Operator side of the healthcare analytics pipeline: estate, migrations, source data, CLI."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
