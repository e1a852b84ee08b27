"""The one place that creates the Powertools Logger, Tracer and Metrics singletons.

Service name and metrics namespace come from ``POWERTOOLS_SERVICE_NAME`` /
``POWERTOOLS_METRICS_NAMESPACE`` (set by the deployer and by Terraform), with the project's
defaults. Metric dimensions are ``service`` (added by Powertools) and ``step`` only; the batch
id goes to logs and metadata, never into a dimension.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "load-pipeline"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "HealthcareAnalytics"

TRACED_MODULES = ("botocore",)

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)

__all__ = ["NAMESPACE", "SERVICE", "MetricUnit", "logger", "metrics", "tracer"]
