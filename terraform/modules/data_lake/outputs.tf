output "bucket_names" {
  description = "Logical bucket key (bronze, silver, artifacts) => bucket name."
  value       = { for key, bucket in aws_s3_bucket.lake : key => bucket.id }
}

output "bucket_arns" {
  description = "Logical bucket key => bucket ARN."
  value       = { for key, bucket in aws_s3_bucket.lake : key => bucket.arn }
}

output "kms_key_arn" {
  description = "Key that encrypts the lake's objects; readers need kms:Decrypt, writers kms:GenerateDataKey."
  value       = module.key.arn
}
