"""JSON Schemas of the files the load reads, one file per format version
(``batch_summary.v<N>.json``: ``_batch.json`` with ``schema_version`` N). A package, so that the
schemas travel as package data in wheels as they do in the Lambda zips."""
