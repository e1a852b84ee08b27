"""The SparkSession the jobs run in, with the settings the contract's Parquet types need."""

from __future__ import annotations

import os
import sys

from pyspark.sql import SparkSession

# Settings every run needs, local or cluster: UTC everywhere, microsecond Parquet timestamps,
# no _SUCCESS marker among the published part files, Arrow for mapInArrow.
JOB_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}

# Only for a local[n] session on this machine: small shuffles, no UI, loopback only.
LOCAL_CONF: dict[str, str] = {
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.adaptive.enabled": "true",
}


def build_session(
    app_name: str = "treatment_jobs",
    master: str | None = None,
    *,
    driver_java_options: str | None = None,
) -> SparkSession:
    """``master`` like ``local[2]`` starts a local session; None reuses the cluster's
    (spark-submit, Glue, Databricks) and only adds the job settings. ``driver_java_options``
    are added to a local session's driver JVM (the local tools pass the class archive's,
    ``healthetl.spark_local.class_archive``)."""
    builder = SparkSession.builder.appName(app_name)
    conf = dict(JOB_CONF)
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            # Python workers must be this interpreter (it has boto3 and this package).
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            conf.update(LOCAL_CONF)
            if driver_java_options:
                key = "spark.driver.extraJavaOptions"
                conf[key] = f"{conf[key]} {driver_java_options}"
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.sparkContext.setLogLevel("WARN")
    return session
