output "alerts_topic_arn" {
  description = "ARN of the alerts topic."
  value       = aws_sns_topic.alerts.arn
}

output "alerts_kms_key_arn" {
  description = "Key of the alerts topic."
  value       = module.key.arn
}

output "dashboard_names" {
  description = "CloudWatch dashboards of the environment."
  value       = [for dashboard in aws_cloudwatch_dashboard.this : dashboard.dashboard_name]
}

output "alarm_names" {
  description = "CloudWatch alarms of the environment."
  value       = keys(aws_cloudwatch_metric_alarm.this)
}
