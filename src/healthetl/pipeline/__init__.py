"""Operator side of the event-driven load: deploy it locally, run the demo, inspect batches,
replay or skip a batch, build the AWS Lambda zips (commands in ``healthetl.pipeline.cli``)."""
