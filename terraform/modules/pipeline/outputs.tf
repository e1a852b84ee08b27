output "function_names" {
  description = "resources.json function key => deployed Lambda function name."
  value       = local.function_names
}

output "function_arns" {
  description = "resources.json function key => Lambda function ARN."
  value       = { for key, fn in aws_lambda_function.this : key => fn.arn }
}

output "state_machine_arn" {
  description = "ARN of the load state machine."
  # Built from the name (known at plan time): alarm keys and dashboards are rendered from it.
  value = local.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the load state machine."
  value       = aws_sfn_state_machine.load.name
}

output "dead_letter_queue_name" {
  description = "Queue of failed asynchronous invocations."
  value       = aws_sqs_queue.dead_letters.name
}

output "state_machine_resource_arn" {
  description = "ARN of the load state machine as reported by AWS (equals state_machine_arn)."
  value       = aws_sfn_state_machine.load.arn
}
