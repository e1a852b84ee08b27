"""Reproducible Lambda zips from Python package folders (the local estate's flavour).

Locally a handler takes its third-party dependencies from the estate's interpreter, so these zips
carry only our packages; the zips built for AWS also vendor dependencies (``lambda-zips``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # same bytes for same sources: CodeSha256 changes only on edits
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache"}


def _files(package_dir: Path) -> Iterable[Path]:
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and not _SKIPPED_PARTS.intersection(path.parts) and path.suffix != ".pyc":
            yield path


def build_zip(package_dirs: Iterable[Path]) -> bytes:
    """A zip with each package folder at the archive root (``pkg/module.py``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for package_dir in package_dirs:
            package_dir = Path(package_dir)
            if not package_dir.is_dir():
                raise FileNotFoundError(f"Lambda package folder not found: {package_dir}")
            for path in _files(package_dir):
                arcname = Path(package_dir.name) / path.relative_to(package_dir)
                info = zipfile.ZipInfo(arcname.as_posix(), date_time=_FIXED_TIME)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def sha256_b64(data: bytes) -> str:
    """Lambda's CodeSha256 form (base64 of the SHA-256 digest)."""
    import base64

    return base64.b64encode(hashlib.sha256(data).digest()).decode()
