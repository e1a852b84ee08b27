"""`healthetl bench`: per-stage wall time, throughput and peak memory of the pipeline on the local
estate, side by side with the limits the stages are bounded by (raw DynamoDB parallel scan, raw
PostgreSQL COPY, the load steps called directly)."""
