variable "environment" {
  type        = string
  description = "Environment name; resources are named '<project>-<environment>-<name>'."
  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment: 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "repo_root" {
  type        = string
  description = "Absolute path of the repository: facts/resources.json, facts/observability/, the ASL template, spark/ and build/lambda are read from it."
}

variable "lambda_zip_dir" {
  type        = string
  description = "Folder with the Lambda zips; empty = <repo_root>/build/lambda (make lambda-zips)."
  default     = ""
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the source table from deletion."
  default     = true
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days replaced S3 object versions are kept."
  default     = 90
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every log group (functions, state machine, flow logs)."
  default     = 365
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR of the warehouse VPC."
  default     = "10.40.0.0/20"
}

variable "availability_zone_ids" {
  type        = list(string)
  description = "Zone ids of the warehouse subnets (at least 3, where Redshift Serverless is offered)."
}

variable "warehouse_base_capacity_rpu" {
  type        = number
  description = "Base RPUs of the Redshift Serverless workgroup."
  default     = 8
}

variable "warehouse_max_capacity_rpu" {
  type        = number
  description = "Maximum RPUs of the workgroup."
  default     = 32
}

variable "warehouse_usage_limit_rpu_hours" {
  type        = number
  description = "Compute usage limit (RPU-hours per period)."
  default     = 24
}

variable "warehouse_usage_limit_period" {
  type        = string
  description = "Period of the usage limit: daily, weekly or monthly."
  default     = "daily"
}

variable "warehouse_usage_limit_breach_action" {
  type        = string
  description = "log, emit-metric or deactivate when the usage limit is reached."
  default     = "deactivate"
}

variable "warehouse_usage_alarm_fraction" {
  type        = number
  description = "Fraction of the (daily share of the) usage limit at which the near-limit alarm fires."
  default     = 0.8
}

variable "bi_principal_arns" {
  type        = list(string)
  description = "IAM principals allowed to assume the BI role."
  default     = []
}

variable "spark_schedule" {
  type        = string
  description = "Glue cron expression of the extract/transform/publish runs."
  default     = "cron(15 * * * ? *)"
}

variable "spark_schedule_enabled" {
  type        = bool
  description = "Whether the Glue schedule starts runs."
  default     = true
}

variable "alert_emails" {
  type        = list(string)
  description = "E-mail addresses subscribed to the alerts topic."
  default     = []
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

variable "monthly_budget_usd" {
  type        = number
  description = "Monthly cost budget in USD."
  default     = 300
}
