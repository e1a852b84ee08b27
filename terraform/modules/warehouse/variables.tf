variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR of the warehouse VPC; private subnets are /4 slices of it."
  default     = "10.40.0.0/20"
}

variable "availability_zone_ids" {
  type        = list(string)
  description = "Zone ids (e.g. use1-az1) of the private subnets, one subnet each; Redshift Serverless needs 3 zones where it is offered."
  validation {
    condition     = length(var.availability_zone_ids) >= 3
    error_message = "Redshift Serverless needs subnets in at least 3 availability zones."
  }
}

variable "interface_endpoint_services" {
  type        = list(string)
  description = "AWS APIs the functions call from the VPC, as endpoint service suffixes (com.amazonaws.<region>.<suffix>). Add redshift-data if the warehouse seam ever uses the Data API."
  default     = ["sts", "secretsmanager", "logs", "sns", "states", "monitoring", "xray", "redshift-serverless"]
}

variable "database_name" {
  type        = string
  description = "Database created in the namespace."
  default     = "warehouse"
}

variable "admin_username" {
  type        = string
  description = "Admin user; its password is generated and kept by AWS in Secrets Manager."
  default     = "hca_admin"
}

variable "port" {
  type        = number
  description = "Warehouse port."
  default     = 5439
}

variable "base_capacity_rpu" {
  type        = number
  description = "Base Redshift Processing Units of the workgroup (8 is the minimum)."
  default     = 8
}

variable "max_capacity_rpu" {
  type        = number
  description = "Upper bound on RPUs the workgroup may scale to."
  default     = 32
}

variable "max_query_execution_seconds" {
  type        = number
  description = "Workgroup-wide statement time limit (a backstop behind the steps' own timeouts)."
  default     = 1800
}

variable "usage_limit_rpu_hours" {
  type        = number
  description = "Compute usage limit in RPU-hours per usage_limit_period."
  default     = 24
}

variable "usage_limit_period" {
  type        = string
  description = "Period of the usage limit: daily, weekly or monthly."
  default     = "daily"
  validation {
    condition     = contains(["daily", "weekly", "monthly"], var.usage_limit_period)
    error_message = "usage_limit_period must be daily, weekly or monthly."
  }
}

variable "usage_limit_breach_action" {
  type        = string
  description = "What happens when the limit is reached: log, emit-metric or deactivate."
  default     = "deactivate"
  validation {
    condition     = contains(["log", "emit-metric", "deactivate"], var.usage_limit_breach_action)
    error_message = "usage_limit_breach_action must be log, emit-metric or deactivate."
  }
}

variable "silver_bucket_arn" {
  type        = string
  description = "ARN of the silver bucket the COPY role reads."
}

variable "silver_batches_prefix" {
  type        = string
  description = "resources.json silver_layout.batches_prefix: the only prefix COPY may read."
}

variable "data_lake_kms_key_arn" {
  type        = string
  description = "Key of the data lake objects (COPY decrypts with it)."
}

variable "bi_database_role" {
  type        = string
  description = "Database role BI users are mapped to (granted the analytics schema only by the DDL)."
  default     = "bi_reader"
}

variable "bi_principal_arns" {
  type        = list(string)
  description = "IAM principals allowed to assume the BI role; empty = the account (then IAM policies decide)."
  default     = []
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the VPC flow logs."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
