# Defaults are the dev environment's values; override in a git-ignored terraform.tfvars.
variable "region" {
  type        = string
  description = "AWS region of the environment."
  default     = "us-east-1"
}

variable "allowed_account_ids" {
  type        = list(string)
  description = "Account ids this environment may be applied to (guards against the wrong credentials); empty = any."
  default     = []
}

variable "lambda_zip_dir" {
  type        = string
  description = "Folder with the Lambda zips (make lambda-zips); empty = build/lambda of the repository."
  default     = ""
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the source table from deletion."
  default     = false
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every log group."
  default     = 365
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR of the warehouse VPC."
  default     = "10.40.0.0/20"
}

variable "availability_zone_ids" {
  type        = list(string)
  description = "Zone ids of the warehouse subnets in var.region (Redshift Serverless is offered in these)."
  default     = ["use1-az1", "use1-az2", "use1-az4"]
}

variable "warehouse_base_capacity_rpu" {
  type        = number
  description = "Base RPUs of the workgroup."
  default     = 8
}

variable "warehouse_max_capacity_rpu" {
  type        = number
  description = "Maximum RPUs of the workgroup."
  default     = 16
}

variable "warehouse_usage_limit_rpu_hours" {
  type        = number
  description = "Compute usage limit in RPU-hours per day."
  default     = 8
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
  default     = false
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
  default     = 24
}

variable "monthly_budget_usd" {
  type        = number
  description = "Monthly cost budget in USD."
  default     = 150
}
