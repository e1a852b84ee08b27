output "name_prefix" {
  description = "'<project>-<env>' prefix of every resource name."
  value       = local.name_prefix
}

output "source_table_name" {
  description = "DynamoDB source table."
  value       = module.source_table.table_name
}

output "bucket_names" {
  description = "Logical bucket key => bucket name."
  value       = module.data_lake.bucket_names
}

output "function_names" {
  description = "resources.json function key => Lambda function name."
  value       = module.pipeline.function_names
}

output "state_machine_arn" {
  description = "Load state machine."
  value       = module.pipeline.state_machine_arn
}

output "glue_job_name" {
  description = "Glue job running the Spark first half."
  value       = module.spark_job.job_name
}

output "warehouse_workgroup" {
  description = "Redshift Serverless workgroup (make migrate target)."
  value       = module.warehouse.workgroup_name
}

output "warehouse_endpoint" {
  description = "Host name of the workgroup endpoint."
  value       = module.warehouse.endpoint_address
}

output "warehouse_admin_secret_arn" {
  description = "Secret with the warehouse admin credentials (managed by Redshift)."
  value       = module.warehouse.admin_secret_arn
}

output "warehouse_copy_role_arn" {
  description = "IAM role for COPY from silver."
  value       = module.warehouse.copy_role_arn
}

output "warehouse_bi_role_arn" {
  description = "IAM role BI users assume."
  value       = module.warehouse.bi_role_arn
}

output "alerts_topic_arn" {
  description = "SNS topic every alarm publishes to."
  value       = module.observability.alerts_topic_arn
}

output "dashboard_names" {
  description = "CloudWatch dashboards."
  value       = module.observability.dashboard_names
}

output "alarm_names" {
  description = "CloudWatch alarms."
  value       = module.observability.alarm_names
}
