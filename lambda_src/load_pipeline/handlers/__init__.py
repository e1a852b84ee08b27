"""One module per Lambda function; each exposes ``handler`` (named in estate/estate.json)."""
