"""The estate's components answer through plain boto3 clients and psycopg."""

from __future__ import annotations

import boto3
import psycopg
import pytest

pytestmark = pytest.mark.integration


def test_aws_endpoint_answers_s3(estate, unique_name) -> None:
    s3 = boto3.client("s3")
    bucket = unique_name("smoke")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="a/b.txt", Body=b"hello")
    assert s3.get_object(Bucket=bucket, Key="a/b.txt")["Body"].read() == b"hello"


def test_dynamodb_is_dynalite_not_moto(estate) -> None:
    client = boto3.client("dynamodb")
    assert client.meta.endpoint_url == estate.dynamodb
    client.list_tables()


def test_postgres_answers(estate) -> None:
    with psycopg.connect(estate.warehouse_dsn) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
