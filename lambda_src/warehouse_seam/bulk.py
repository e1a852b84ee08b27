"""COPY from a Parquet manifest and UNLOAD to Parquet: Redshift's statements, and their
PostgreSQL emulation (boto3 + pyarrow + ``COPY ... FROM STDIN``).

Object URLs are ``s3://bucket/key`` (any S3 endpoint boto3 is configured for) or, on
PostgreSQL only, ``file:///path`` for tests and local tools.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from warehouse_seam.errors import WarehouseDataError

_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_COPY_BATCH_ROWS = 65_536
# What may stand inside COPY's quoted literals: S3 URLs of plain keys and IAM role ARNs. No
# quote, backslash, whitespace or control character (Redshift reads \' inside a literal as an
# escaped quote, so doubling quotes alone does not keep a value inside its literal).
_S3_URL = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9!_.*()=/-]{1,1024}")
_IAM_ROLE = re.compile(r"default|arn:aws[a-z-]*:iam::[0-9]+:role/[A-Za-z0-9+=,.@_/-]{1,512}")


def _check_table(table: str) -> tuple[str, str]:
    if not _TABLE_NAME.match(table):
        raise WarehouseDataError(f"not a schema-qualified table name: {table!r}")
    schema, name = table.split(".")
    return schema, name


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_s3_url(url: str) -> str:
    """``url`` when it is ``s3://bucket/key`` with a plain key; WarehouseDataError otherwise."""
    if not _S3_URL.fullmatch(url):
        raise WarehouseDataError(f"not a plain s3:// URL (bucket/key characters): {url[:300]!r}")
    return url


# -- Redshift ----------------------------------------------------------------------------
def redshift_copy_sql(table: str, manifest_url: str, iam_role: str | None) -> str:
    _check_table(table)
    if not manifest_url.startswith("s3://"):
        raise WarehouseDataError(f"Redshift COPY needs an s3:// manifest, got {manifest_url!r}")
    check_s3_url(manifest_url)
    role = iam_role or "default"
    if not _IAM_ROLE.fullmatch(role):
        raise WarehouseDataError(f"not an IAM role ARN: {role[:300]!r}")
    return (
        f"copy {table} from {_quote_literal(manifest_url)} "
        f"iam_role {_quote_literal(role)} format as parquet manifest"
    )


def redshift_unload_sql(select_sql: str, target_prefix: str, iam_role: str | None) -> str:
    role = iam_role or "default"
    return (
        f"unload ({_quote_literal(select_sql)}) to {_quote_literal(target_prefix)} "
        f"iam_role {_quote_literal(role)} format as parquet allowoverwrite"
    )


# -- object access -----------------------------------------------------------------------
def read_object(url: str, *, mandatory: bool = True) -> bytes | None:
    parsed = urlparse(url)
    try:
        if parsed.scheme == "s3":
            import boto3

            response = boto3.client("s3").get_object(
                Bucket=parsed.netloc, Key=unquote(parsed.path.lstrip("/"))
            )
            return response["Body"].read()
        if parsed.scheme == "file":
            return Path(unquote(parsed.path)).read_bytes()
    except Exception as exc:
        missing = (
            isinstance(exc, FileNotFoundError)
            or "NoSuchKey" in type(exc).__name__
            or (getattr(exc, "response", {}).get("Error", {}).get("Code") in {"NoSuchKey", "404"})
        )
        if missing and not mandatory:
            return None
        if missing:
            raise WarehouseDataError(f"manifest entry not found: {url}") from exc
        raise
    raise WarehouseDataError(f"unsupported object URL {url!r} (s3:// or file://)")


def write_object(url: str, data: bytes) -> None:
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        import boto3

        boto3.client("s3").put_object(Bucket=parsed.netloc, Key=parsed.path.lstrip("/"), Body=data)
    elif parsed.scheme == "file":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    else:
        raise WarehouseDataError(f"unsupported object URL {url!r} (s3:// or file://)")


def read_manifest(manifest_url: str) -> list[dict[str, Any]]:
    raw = read_object(manifest_url)
    try:
        entries = json.loads(raw or b"")["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise WarehouseDataError(f"not a COPY manifest: {manifest_url}") from exc
    return list(entries)


# -- PostgreSQL emulation ----------------------------------------------------------------
def table_columns(conn: Any, table: str) -> list[str]:
    schema, name = _check_table(table)
    rows = conn.execute(
        "select column_name from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, name),
    ).fetchall()
    if not rows:
        raise WarehouseDataError(f"table {table} does not exist")
    return [row[0] for row in rows]


def copy_manifest_postgres(conn: Any, table: str, manifest_url: str) -> int:
    """Each manifest entry: Parquet -> pyarrow -> CSV -> ``COPY table FROM STDIN``."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if manifest_url.startswith("s3://"):
        check_s3_url(manifest_url)  # as Redshift's path does, so the stand-in refuses the same
    columns = table_columns(conn, table)
    column_list = ", ".join(f'"{c}"' for c in columns)
    copy_sql = f"copy {table} ({column_list}) from stdin with (format csv)"
    options = pacsv.WriteOptions(include_header=False)
    loaded = 0
    for entry in read_manifest(manifest_url):
        data = read_object(entry["url"], mandatory=entry.get("mandatory", False))
        if data is None:
            continue
        parquet = pq.read_table(io.BytesIO(data))
        if parquet.num_columns != len(columns):
            raise WarehouseDataError(
                f"{entry['url']} has {parquet.num_columns} columns, {table} has "
                f"{len(columns)}: COPY from Parquet maps columns by position"
            )
        parquet = parquet.rename_columns(columns)
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for batch in parquet.to_batches(max_chunksize=_COPY_BATCH_ROWS):
                buffer = io.BytesIO()
                pacsv.write_csv(batch, buffer, options)
                copy.write(buffer.getvalue())
        loaded += parquet.num_rows
    return loaded


def unload_postgres(conn: Any, select_sql: str, target_prefix: str) -> int:
    """Rows of ``select_sql`` into one Parquet object ``<prefix>0000_part_00.parquet``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with conn.cursor() as cursor:
        cursor.execute(select_sql)
        names = [col.name for col in cursor.description]
        rows = cursor.fetchall()
    table = pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows])
    if not rows:
        table = pa.table({name: pa.array([], pa.null()) for name in names})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    write_object(f"{target_prefix}0000_part_00.parquet", buffer.getvalue())
    return len(rows)
