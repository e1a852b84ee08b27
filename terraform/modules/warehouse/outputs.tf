output "workgroup_name" {
  description = "Redshift Serverless workgroup name."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "workgroup_arn" {
  description = "Redshift Serverless workgroup ARN."
  value       = aws_redshiftserverless_workgroup.this.arn
}

output "endpoint_address" {
  description = "Host name of the workgroup endpoint."
  value       = aws_redshiftserverless_workgroup.this.endpoint[0].address
}

output "port" {
  description = "Warehouse port."
  value       = var.port
}

output "database_name" {
  description = "Database name."
  value       = var.database_name
}

output "admin_secret_arn" {
  description = "Secrets Manager secret (managed by Redshift) with the admin credentials."
  value       = aws_redshiftserverless_namespace.this.admin_password_secret_arn
}

output "copy_role_arn" {
  description = "IAM role COPY uses to read silver."
  value       = aws_iam_role.copy.arn
}

output "bi_role_arn" {
  description = "IAM role BI users assume for temporary credentials."
  value       = aws_iam_role.bi.arn
}

output "kms_key_arn" {
  description = "Key of the warehouse and its admin secret."
  value       = module.key.arn
}

output "subnet_ids" {
  description = "Private subnets the functions attach to."
  value       = [for subnet in aws_subnet.private : subnet.id]
}

output "client_security_group_id" {
  description = "Security group for functions that talk to the warehouse."
  value       = aws_security_group.clients.id
}

output "usage_limit_seconds" {
  description = "The usage limit expressed in RPU-seconds per period (for the near-limit alarm)."
  value       = var.usage_limit_rpu_hours * 3600
}

output "usage_limit_period_seconds" {
  description = "Length of the usage-limit period in seconds (daily / weekly / monthly ~ 30 days)."
  value       = { daily = 86400, weekly = 604800, monthly = 2592000 }[var.usage_limit_period]
}
