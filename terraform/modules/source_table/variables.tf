variable "name_prefix" {
  type        = string
  description = "'<project>-<env>', prefixed to every resource name."
}

variable "table" {
  type = object({
    name         = string
    billing_mode = string
    hash_key     = object({ name = string, type = string })
    modified_index = object({
      name          = string
      partition_key = object({ name = string, type = string })
      sort_key      = object({ name = string, type = string })
      projection    = string
    })
  })
  description = "resources.json source_table: name, billing mode, hash key and the modified-time index."
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse DeleteTable (on in prod)."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource of the module."
  default     = {}
}
