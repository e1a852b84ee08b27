"""Redshift-only paths checked as SQL text and connection settings (no Redshift here)."""

from __future__ import annotations

import pytest
from warehouse_seam import WarehouseDataError, WarehouseTransientError, classify
from warehouse_seam.bulk import redshift_copy_sql, redshift_unload_sql
from warehouse_seam.redshift import connection_kwargs

pytestmark = pytest.mark.unit


def test_copy_statement_is_redshift_parquet_manifest() -> None:
    assert redshift_copy_sql(
        "staging.treatments", "s3://silver/batches/b1/valid.manifest", "arn:aws:iam::1:role/r"
    ) == (
        "copy staging.treatments from 's3://silver/batches/b1/valid.manifest' "
        "iam_role 'arn:aws:iam::1:role/r' format as parquet manifest"
    )


def test_copy_refuses_non_s3_manifest_and_odd_table_names() -> None:
    with pytest.raises(WarehouseDataError):
        redshift_copy_sql("staging.treatments", "file:///tmp/x.manifest", None)
    with pytest.raises(WarehouseDataError):
        redshift_copy_sql("staging.treatments; drop table x", "s3://b/k", None)


@pytest.mark.parametrize(
    ("manifest_url", "iam_role"),
    [
        ("s3://silver/batches/b1/valid.manifest\\' iam_role 'arn:aws:iam::1:role/x' --", None),
        ("s3://silver/batches/b1/it's.manifest", None),
        ("s3://silver/batches/b1/valid.manifest\\", None),
        ("s3://silver/batches/b1/valid manifest", None),
        ("s3://silver/batches/b1/valid.manifest\n", None),
        ("s3://Silver_bucket/batches/b1/valid.manifest", None),
        ("s3://silver/batches/b1/valid.manifest", "arn:aws:iam::1:role/r\\' --"),
        ("s3://silver/batches/b1/valid.manifest", "arn:aws:iam::1:role/o'brien"),
    ],
)
def test_copy_refuses_quotes_backslashes_and_odd_characters(
    manifest_url: str, iam_role: str | None
) -> None:
    """Redshift reads \\' inside a literal as an escaped quote: doubling quotes alone would let
    a value leave its literal. Nothing but plain S3 URLs and role ARNs reaches COPY's text."""
    with pytest.raises(WarehouseDataError):
        redshift_copy_sql("staging.treatments", manifest_url, iam_role)


def test_unload_quotes_the_query() -> None:
    sql = redshift_unload_sql("select 'a' as x", "s3://b/out/", None)
    assert sql == (
        "unload ('select ''a'' as x') to 's3://b/out/' iam_role 'default' "
        "format as parquet allowoverwrite"
    )


def test_serverless_iam_settings_from_dsn(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("WAREHOUSE_HOST", "WAREHOUSE_SECRET_ARN", "WAREHOUSE_IAM"):
        monkeypatch.delenv(var, raising=False)
    kwargs = connection_kwargs(
        "redshift://wg.123.us-east-1.redshift-serverless.amazonaws.com:5439/dev"
        "?iam=true&workgroup=hca-prod&region=us-east-1"
    )
    assert kwargs == {
        "host": "wg.123.us-east-1.redshift-serverless.amazonaws.com",
        "port": 5439,
        "database": "dev",
        "timeout": 30,
        "iam": True,
        "region": "us-east-1",
        "db_user": None,
        "is_serverless": True,
        "serverless_work_group": "hca-prod",
    }


def test_provisioned_iam_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAREHOUSE_HOST", "c.abc.us-east-1.redshift.amazonaws.com")
    monkeypatch.setenv("WAREHOUSE_IAM", "true")
    monkeypatch.setenv("WAREHOUSE_CLUSTER_ID", "hca-prod")
    monkeypatch.setenv("WAREHOUSE_DB_USER", "loader")
    monkeypatch.setenv("WAREHOUSE_DATABASE", "warehouse")
    kwargs = connection_kwargs(None)
    assert kwargs["cluster_identifier"] == "hca-prod"
    assert kwargs["db_user"] == "loader"
    assert kwargs["database"] == "warehouse"
    assert "password" not in kwargs


class DriverError(Exception):
    """Shaped like redshift_connector's errors: args[0] is the server's error fields."""


@pytest.mark.parametrize(
    ("fields", "transient"),
    [
        ({"C": "XX000", "M": "1023 Serializable isolation violation on table - 1"}, True),
        ({"C": "57014", "M": "Query cancelled on user's request"}, True),
        ({"C": "08006", "M": "connection failure"}, True),
        ({"C": "42P01", "M": 'relation "x" does not exist'}, False),
        ({"C": "XX000", "M": "Invalid digit, Value 'a', Pos 0"}, False),
        ({"C": "28000", "M": "password authentication failed"}, False),
    ],
)
def test_redshift_error_fields_are_classified(fields: dict, transient: bool) -> None:
    error = classify(DriverError(fields))
    assert isinstance(error, WarehouseTransientError) is transient
    assert fields["C"] in str(error)


def test_socket_errors_are_transient() -> None:
    assert isinstance(classify(ConnectionResetError("reset by peer")), WarehouseTransientError)
    assert isinstance(classify(TimeoutError("timed out")), WarehouseTransientError)
