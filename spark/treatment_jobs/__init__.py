"""PySpark jobs of the pipeline's first half: DynamoDB → bronze → silver Parquet → S3.

Stages (one module each): ``extract`` (parallel Scan or day-by-day GSI Query into bronze),
``transform`` (the one home of the source-item rules R1–R7), ``publish`` (Parquet, COPY
manifests, ``_batch.json`` last, then the watermark). ``main`` wires them for ``spark-submit``
and ``cli`` for the ``healthetl spark`` sub-commands.
"""
