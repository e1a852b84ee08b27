output "table_name" {
  description = "Name of the source table."
  value       = aws_dynamodb_table.source.name
}

output "table_arn" {
  description = "ARN of the source table."
  value       = aws_dynamodb_table.source.arn
}

output "index_arn" {
  description = "ARN of the modified-time index (for Query)."
  value       = "${aws_dynamodb_table.source.arn}/index/${var.table.modified_index.name}"
}

output "kms_key_arn" {
  description = "Key that encrypts the table; readers need kms:Decrypt on it."
  value       = module.key.arn
}

output "index_name" {
  description = "Name of the modified-time index."
  value       = var.table.modified_index.name
}
