"""Small file helpers that work on a local folder or an ``s3://`` URI alike (boto3 for S3).

Spark itself reads and writes the data; these carry the small JSON sidecars and listings.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import boto3


def is_s3(uri: str) -> bool:
    return uri.startswith(("s3://", "s3a://"))


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *(p.strip("/") for p in parts)])


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def write_text(uri: str, text: str) -> None:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=text.encode())
        return
    path = Path(uri)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def read_text(uri: str) -> str | None:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        client = boto3.client("s3")
        try:
            return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        except client.exceptions.NoSuchKey:
            return None
    path = Path(uri)
    return path.read_text() if path.exists() else None


def list_children(uri: str) -> list[str]:
    """Names of the immediate sub-folders (or common prefixes) of ``uri``."""
    if is_s3(uri):
        bucket, key = split_s3(uri)
        prefix = key.rstrip("/") + "/" if key else ""
        paginator = boto3.client("s3").get_paginator("list_objects_v2")
        names = []
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
            names += [
                p["Prefix"][len(prefix) :].rstrip("/") for p in page.get("CommonPrefixes", [])
            ]
        return sorted(names)
    path = Path(uri)
    return sorted(p.name for p in path.iterdir() if p.is_dir()) if path.exists() else []
