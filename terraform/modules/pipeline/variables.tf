variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "functions" {
  type = map(object({
    handler         = string
    description     = string
    timeout_seconds = number
    memory_mb       = number
    access          = list(string)
    environment     = optional(map(map(string)), {})
  }))
  description = "resources.json functions: short name => handler, description, timeout, memory, access capabilities and environment references. One Lambda per entry."
}

variable "functions_environment" {
  type        = map(map(string))
  description = "resources.json functions_environment: environment references every function gets."
  default     = {}
}

variable "state_machine" {
  type = object({
    name          = string
    template_path = string
    template_variables = map(object({
      function = optional(string)
      setting  = optional(string)
    }))
  })
  description = "resources.json state_machine with the template path made absolute: each template variable names a function (its ARN is substituted) or a setting (its value is substituted)."
}

variable "settings" {
  type        = map(number)
  description = "resources.json settings (retry window, intervals, timeouts…)."
}

variable "batch_notification" {
  type = object({
    bucket   = string
    prefix   = string
    suffix   = string
    function = string
  })
  description = "resources.json batch_notification: which bucket's objects (prefix + suffix) invoke which function."
}

variable "silver_layout" {
  type        = map(string)
  description = "resources.json silver_layout: where batches, the extract watermark and the pipeline's state objects live in silver."
}

variable "bucket_names" {
  type        = map(string)
  description = "Logical bucket key (bronze, silver, artifacts) => bucket name, from modules/data_lake."
}

variable "bucket_arns" {
  type        = map(string)
  description = "Logical bucket key => bucket ARN, from modules/data_lake."
}

variable "data_lake_kms_key_arn" {
  type        = string
  description = "Key of the data lake objects."
}

variable "warehouse" {
  type = object({
    workgroup_name           = string
    workgroup_arn            = string
    endpoint_address         = string
    port                     = number
    database_name            = string
    admin_secret_arn         = string
    kms_key_arn              = string
    copy_role_arn            = string
    subnet_ids               = list(string)
    client_security_group_id = string
  })
  description = "What the functions need to reach the warehouse, from modules/warehouse."
}

variable "alerts_topic_arn" {
  type        = string
  description = "SNS topic for pipeline alerts (modules/observability)."
}

variable "topic_arns" {
  type        = map(string)
  description = "resources.json topic name (alerts_topic.name) => SNS topic ARN, for {\"topic\": ...} environment references."
}

variable "alerts_kms_key_arn" {
  type        = string
  description = "Key of the alerts topic; publishers need GenerateDataKey/Decrypt on it."
}

variable "lambda_zip_dir" {
  type        = string
  description = "Folder with <function>.zip for every function, built by `make lambda-zips` (build/lambda)."
}

variable "lambda_runtime" {
  type        = string
  description = "Lambda runtime the zips are built for."
  default     = "python3.11"
}

variable "lambda_architecture" {
  type        = string
  description = "Lambda architecture the zips are built for (x86_64 or arm64)."
  default     = "x86_64"
}

variable "warehouse_function_concurrency" {
  type        = number
  description = "Reserved concurrency of functions with 'warehouse' access: 1 = batches load one at a time and the warehouse sees one step per function."
  default     = 1
}

variable "default_function_concurrency" {
  type        = number
  description = "Reserved concurrency of the other functions."
  default     = 5
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function and state machine log groups."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
