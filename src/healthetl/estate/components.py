"""The estate's two long-running servers we launch ourselves: the AWS endpoint and dynalite.

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


def dynamodb_component(config: EstateConfig) -> Component:
    node = shutil.which("node") or "node"
    data_dir = config.dynamodb_data_dir
    command = [node, str(dynalite_script()), "--host", HOST, "--port", str(config.dynamodb_port)]
    # Tables become ACTIVE at once: waiters still work, tests do not wait half a second.
    command += ["--path", str(data_dir), "--createTableMs", "0", "--deleteTableMs", "0"]
    command += ["--updateTableMs", "0"]
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
