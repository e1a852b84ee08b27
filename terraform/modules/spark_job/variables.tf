variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "spark_dir" {
  type        = string
  description = "The repository's spark/ folder: glue_job.py (entry script) and the treatment_jobs package."
}

variable "bucket_names" {
  type        = map(string)
  description = "Logical bucket key (bronze, silver, artifacts) => bucket name."
}

variable "bucket_arns" {
  type        = map(string)
  description = "Logical bucket key => bucket ARN."
}

variable "data_lake_kms_key_arn" {
  type        = string
  description = "Key of the data lake objects (the job writes bronze and silver with it)."
}

variable "source_table_name" {
  type        = string
  description = "DynamoDB source table name."
}

variable "source_index_name" {
  type        = string
  description = "Name of the modified-time index (resources.json source_table.modified_index.name)."
}

variable "source_table_arn" {
  type        = string
  description = "DynamoDB source table ARN."
}

variable "source_index_arn" {
  type        = string
  description = "ARN of the modified-time index the incremental extract queries."
}

variable "source_table_kms_key_arn" {
  type        = string
  description = "Key of the source table."
}

variable "metrics_namespace" {
  type        = string
  description = "resources.json metrics_namespace: the job may publish metrics there."
}

variable "silver_work_prefix" {
  type        = string
  description = "Prefix in the silver bucket where the job writes Parquet before publishing (outside the batches prefix, so it never triggers a load)."
  default     = "work/"
}

variable "additional_python_modules" {
  type        = string
  description = "PyPI packages Glue installs at start for treatment_jobs beyond Glue 5.0's own (pin = requirements.txt)."
  default     = "msgspec==0.22.0,rich==15.0.0"
}

variable "incremental_overlap_seconds" {
  type        = number
  description = "resources.json settings.incremental_overlap_seconds."
}

variable "schedule" {
  type        = string
  description = "Glue cron expression of the extract runs, e.g. cron(15 * * * ? *)."
  default     = "cron(15 * * * ? *)"
}

variable "schedule_enabled" {
  type        = bool
  description = "Whether the schedule starts runs (off until the first manual run succeeded)."
  default     = true
}

variable "worker_type" {
  type        = string
  description = "Glue worker type."
  default     = "G.1X"
}

variable "number_of_workers" {
  type        = number
  description = "Glue workers (2 is the minimum; 59k items need no more)."
  default     = 2
}

variable "timeout_minutes" {
  type        = number
  description = "A run taking longer is stopped (and alarmed)."
  default     = 60
}

variable "extra_arguments" {
  type        = map(string)
  description = "Additional Glue job arguments (e.g. --additional-python-modules)."
  default     = {}
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
