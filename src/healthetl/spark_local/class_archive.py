"""A class-data-sharing archive for local Spark JVMs: the classes a `spark run` loads, stored
once, mapped at every later JVM start instead of loaded, verified and linked again.

Why: on this 2-core machine a local session took 4.8–6.0 s to start and its first trivial job
another 7.1–8.1 s, mostly class loading; with the archive 2.8–2.9 s and 4.0–4.2 s. Every
`healthetl spark run` pays that once, so it is most of an incremental round's fixed cost.

Local sessions only (``build_session`` with a ``local[...]`` master). The archive belongs to one
JDK build and one Spark classpath: the JVM checks both when it maps the file and, on any
mismatch, warns and starts without it, so a stale archive costs nothing but the warning.
``python -m healthetl.spark_local.class_archive`` writes it (``make bench`` and ``make demo``
do, once); without the file every session starts exactly as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import SparkSession

ARCHIVE_ENV = "HCA_SPARK_CLASS_ARCHIVE"


def archive_path() -> Path:
    """``$HCA_SPARK_CLASS_ARCHIVE``, else one file under ``~/.cache`` per pyspark install (its
    version and folder: the jars' paths are part of what the JVM checks)."""
    if os.environ.get(ARCHIVE_ENV):
        return Path(os.environ[ARCHIVE_ENV])
    import pyspark

    install = hashlib.sha256(str(Path(pyspark.__file__).resolve().parent).encode()).hexdigest()
    name = f"spark-{pyspark.__version__}-{install[:12]}-classes.jsa"
    return Path.home() / ".cache" / "healthetl" / name


def java_option(path: Path | None = None) -> str | None:
    """The driver JVM option that maps the archive, or None when there is none yet."""
    path = path or archive_path()
    return f"-XX:SharedArchiveFile={path}" if path.is_file() else None


def _exercise(spark: SparkSession, scratch: Path) -> None:
    """Load the classes the jobs use: Arrow to and from Python, Parquet, a shuffle, a window."""
    import pyarrow as pa
    from pyspark.sql import Window
    from pyspark.sql import functions as F  # noqa: N812 (the PySpark idiom)

    def with_text(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield pa.RecordBatch.from_arrays(
                [batch.column(0), pa.array([str(v) for v in batch.column(0).to_pylist()])],
                names=["id", "text"],
            )

    frame = spark.range(2_000, numPartitions=2).mapInArrow(with_text, "id long, text string")
    frame.write.mode("overwrite").parquet(str(scratch / "p"))
    read = spark.read.parquet(str(scratch / "p")).persist()
    read.groupBy((F.col("id") % 3).alias("k")).agg(
        F.count("*"), F.countDistinct("text"), F.max("text")
    ).collect()
    ranked = read.withColumn("r", F.row_number().over(Window.partitionBy("text").orderBy("id")))
    ranked.filter(F.col("r") == 1).coalesce(1).write.mode("overwrite").parquet(str(scratch / "q"))
    read.unpersist()


def create(path: Path | None = None) -> Path:
    """Write the archive (atomically) unless it exists; returns its path."""
    from treatment_jobs.session import build_session

    path = path or archive_path()
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="class-archive-") as scratch:
        spark = build_session(
            "class-archive",
            master="local[2]",
            driver_java_options=f"-XX:ArchiveClassesAtExit={partial}",
        )
        _exercise(spark, Path(scratch))
        gateway = spark.sparkContext._gateway
        spark.stop()
        # The JVM writes the archive only when it exits by itself; PySpark would kill it.
        with contextlib.suppress(Exception):  # the call never returns: the JVM is gone
            gateway.jvm.java.lang.System.exit(0)
        gateway.proc.wait(timeout=300)
    if not partial.is_file():
        raise RuntimeError(f"the JVM wrote no class archive at {partial}")
    partial.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = create(Path(args[0]) if args else None)
    print(f"Spark class archive: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
