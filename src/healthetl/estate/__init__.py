"""The local estate: an AWS endpoint that runs our Lambdas and state machines, DynamoDB and the
PostgreSQL warehouse stand-in, all on 127.0.0.1 with state under ``.runtime/``.

Python API (tests and other areas use these; the CLI is ``healthetl estate up|down|status``)::

    from healthetl import estate

    endpoints = estate.up()              # start what is not running -> EstateEndpoints
    os.environ.update(estate.client_environment(endpoints))  # AWS_ENDPOINT_URL, ..._DYNAMODB,
                                         # AWS_REGION, dummy credentials
    endpoints.warehouse_dsn              # postgresql://hca@127.0.0.1:5439/warehouse
    estate.status()                      # [ComponentStatus(name, endpoint, pid, healthy, ...)]
    estate.down()                        # stop what `up` started, by pid (process groups)

Components: ``aws`` (moto 5.2.5 server with the hooks of :mod:`healthetl.estate.moto_hooks`,
port ``HCA_AWS_PORT``=4566), ``dynamodb`` (AWS DynamoDB Local on Java 17, or dynalite 4.0.0 with
``HCA_DYNAMODB_SERVER=dynalite``; ``HCA_DYNAMODB_PORT``=4569),
``postgres`` (:mod:`healthetl.estate.postgres`, ``HCA_PG_PORT``=5439). ``HCA_RUNTIME_DIR``
moves the state folder, so a second estate can run beside the first on other ports.
Deploying resources onto it: :mod:`healthetl.estate.deploy`.
"""

from __future__ import annotations

from healthetl.estate.client import client_environment
from healthetl.estate.config import EstateConfig
from healthetl.estate.manager import ComponentStatus, EstateEndpoints, EstateError, down, status, up

__all__ = [
    "ComponentStatus",
    "EstateConfig",
    "EstateEndpoints",
    "EstateError",
    "client_environment",
    "down",
    "status",
    "up",
]
