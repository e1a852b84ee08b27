variable "region" {
  type        = string
  description = "Region of the state bucket."
  default     = "us-east-1"
}
