"""Local-only Spark tooling (not shipped to Glue): the `healthetl spark` commands and the
local JVM's class archive."""
