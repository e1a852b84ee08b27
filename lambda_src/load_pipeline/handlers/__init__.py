"""One module per Lambda function; each exposes ``handler`` (named in facts/resources.json)."""
