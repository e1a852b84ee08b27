variable "alias" {
  type        = string
  description = "Alias of the key without the 'alias/' prefix, e.g. hca-dev-data-lake."
}

variable "description" {
  type        = string
  description = "What the key protects."
}

variable "log_group_name_patterns" {
  type        = list(string)
  description = "CloudWatch Logs group names (wildcards allowed) whose events this key may encrypt; empty for none."
  default     = []
}

variable "service_principals" {
  type        = list(string)
  description = "AWS service principals (e.g. cloudwatch.amazonaws.com) that publish to resources encrypted with this key."
  default     = []
}

variable "deletion_window_in_days" {
  type        = number
  description = "Waiting period before a scheduled key deletion takes effect."
  default     = 30
}

variable "tags" {
  type        = map(string)
  description = "Tags for the key."
  default     = {}
}
