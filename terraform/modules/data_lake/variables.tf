variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "buckets" {
  type        = map(object({ name = string }))
  description = "resources.json buckets: logical key (bronze, silver, artifacts) => { name }."
}

variable "infrequent_access_after_days" {
  type        = number
  description = "Days after which current objects move to STANDARD_IA."
  default     = 30
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "Days a replaced or deleted object version is kept (undo window)."
  default     = 90
}

variable "access_log_retention_days" {
  type        = number
  description = "Days S3 server access logs are kept."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
