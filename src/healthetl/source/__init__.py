"""The source: a reproducible treatment-record world, its DynamoDB table, a fast loader, and the
commands that simulate changes and bad data (see docs/source-data.md)."""
