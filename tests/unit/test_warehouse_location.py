"""Where the warehouse is (warehouse_seam.location.resolve) and the rows the seam returns."""

from __future__ import annotations

import pytest
from warehouse_seam import POSTGRESQL, REDSHIFT, Row, WarehouseDataError, resolve

pytestmark = pytest.mark.unit

LOCAL = "postgresql://hca@127.0.0.1:5439/warehouse"


def _never() -> str:
    raise AssertionError("the local estate must not be asked")


def test_an_explicit_dsn_wins_over_everything() -> None:
    env = {"WAREHOUSE_DSN": "postgresql://a@h/x", "WAREHOUSE_HOST": "rs"}
    location = resolve("redshift://u@cluster:5439/dev", local=_never, environ=env)
    assert (location.dialect, location.dsn, location.source) == (
        REDSHIFT,
        "redshift://u@cluster:5439/dev",
        "given",
    )


def test_the_environment_then_the_redshift_settings_then_the_local_estate() -> None:
    dsn_env = {"WAREHOUSE_DSN": "postgresql://a@h/x", "WAREHOUSE_HOST": "rs"}
    assert resolve(local=_never, environ=dsn_env).dsn == "postgresql://a@h/x"
    host_env = {"WAREHOUSE_HOST": "wg.123.eu-west-1.redshift-serverless.amazonaws.com"}
    location = resolve(local=_never, environ=host_env)
    assert (location.dialect, location.dsn) == (REDSHIFT, None)
    local = resolve(local=lambda: LOCAL, environ={})
    assert (local.dialect, local.dsn, local.source) == (POSTGRESQL, LOCAL, "local estate")


def test_no_warehouse_is_a_clear_error() -> None:
    with pytest.raises(WarehouseDataError, match="no warehouse configured"):
        resolve(environ={})
    with pytest.raises(WarehouseDataError, match="not a warehouse DSN"):
        resolve("mysql://x", environ={})


def test_a_location_never_shows_a_password() -> None:
    location = resolve("postgresql://hca:s3cret@127.0.0.1:5439/warehouse", environ={})
    assert "s3cret" not in str(location)
    assert "hca:***@" in str(location)


def test_a_row_is_a_tuple_that_knows_its_columns() -> None:
    row = Row((7, "Dr Ada"), ("provider_id", "provider_full_name"))
    assert row == (7, "Dr Ada")
    assert row[0] == 7 and row[-1] == "Dr Ada" and row[:1] == (7,)
    assert row["provider_full_name"] == "Dr Ada"
    assert row.as_dict() == {"provider_id": 7, "provider_full_name": "Dr Ada"}
    provider_id, _ = row
    assert provider_id == 7
    with pytest.raises(KeyError):
        row["patient_full_name"]
