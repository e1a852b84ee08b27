variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "environment" {
  type        = string
  description = "Environment name (dev, prod); the budget counts resources tagged with it."
}

variable "observability_dir" {
  type        = string
  description = "The repository's facts/observability folder: alarms.json and dashboards/*.json templates."
}

variable "alerts_topic_name" {
  type        = string
  description = "resources.json alerts_topic.name."
}

variable "alert_emails" {
  type        = list(string)
  description = "Addresses subscribed to the alerts topic (each confirms by e-mail)."
  default     = []
}

variable "metrics_namespace" {
  type        = string
  description = "resources.json metrics_namespace."
}

variable "metrics_service" {
  type        = string
  description = "Powertools service name (resources.json functions_environment POWERTOOLS_SERVICE_NAME): the service dimension alarms select."
}

variable "state_machine_arn" {
  type        = string
  description = "ARN of the load state machine."
}

variable "function_names" {
  type        = map(string)
  description = "resources.json function key => deployed function name (per-function alarms)."
}

variable "dead_letter_queue_name" {
  type        = string
  description = "Queue of failed asynchronous function invocations."
}

variable "glue_job_name" {
  type        = string
  description = "Name of the Glue job (dashboard + failure rule)."
}

variable "warehouse_workgroup" {
  type        = string
  description = "Redshift Serverless workgroup name."
}

variable "warehouse_compute_seconds_threshold" {
  type        = number
  description = "RPU-seconds per day at which the near-limit alarm fires."
}

variable "reject_ratio_threshold_pct" {
  type        = number
  description = "Alarm when more than this percentage of a batch's rows is rejected."
  default     = 5
}

variable "no_successful_batch_hours" {
  type        = number
  description = "Alarm when no batch succeeded for this many hours."
  default     = 6
}

variable "gate_wait_alarm_seconds" {
  type        = number
  description = "Alarm when a batch has waited at the gate for the load lease longer than this (resources.json settings gate_wait_alarm_seconds); the batch keeps waiting."
}

variable "monthly_budget_usd" {
  type        = number
  description = "Monthly cost budget of the environment in USD."
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
