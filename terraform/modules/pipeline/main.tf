# The load pipeline: one Lambda per resources.json function (for_each: a function added there
# needs no change here), the load state machine rendered from the one ASL template, and the
# silver bucket notification that starts it.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  function_names = { for key, _ in var.functions : key => "${var.name_prefix}-${key}" }

  # Built from its name, not read from the resource: functions that start executions need the
  # ARN in their environment while the state machine needs the functions' ARNs (no cycle).
  state_machine_name     = "${var.name_prefix}-${var.state_machine.name}"
  state_machine_arn      = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"
  executions_arn_pattern = "arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${local.state_machine_name}:*"

  state_machine_functions = distinct([
    for variable in values(var.state_machine.template_variables) : variable.function
    if variable.function != null
  ])

  # Every template variable of resources.json, resolved: a function's ARN or a setting's value.
  state_machine_template_values = {
    for name, variable in var.state_machine.template_variables : name => (
      variable.function != null
      ? aws_lambda_function.this[variable.function].arn
      : tostring(var.settings[variable.setting])
    )
  }

  # resources.json environment references ({"bucket": "silver"}, {"setting": "..."}, ...) resolve
  # against these tables; an unknown kind or key fails the plan. Same kinds as the local
  # deployer (healthetl.estate.deploy.resolve_reference).
  reference_values = {
    setting       = { for key, value in var.settings : key => tostring(value) }
    bucket        = var.bucket_names
    topic         = var.topic_arns
    state_machine = { (var.state_machine.name) = local.state_machine_arn }
    notification  = { for key, value in var.batch_notification : key => tostring(value) }
    silver_layout = var.silver_layout
  }

  function_environment = {
    for key, fn in var.functions : key => {
      for name, reference in merge(var.functions_environment, fn.environment) : name => try(
        reference["value"],
        local.reference_values[one(keys(reference))][one(values(reference))],
      )
    }
  }

  # Deployment-specific: how functions with 'warehouse' access reach Redshift (the seam's
  # WAREHOUSE_* variables; locally the deployer sets WAREHOUSE_DSN instead).
  warehouse_environment = {
    WAREHOUSE_HOST       = var.warehouse.endpoint_address
    WAREHOUSE_PORT       = tostring(var.warehouse.port)
    WAREHOUSE_DATABASE   = var.warehouse.database_name
    WAREHOUSE_SECRET_ARN = var.warehouse.admin_secret_arn
    WAREHOUSE_WORKGROUP  = var.warehouse.workgroup_name
  }
}

module "key" {
  source      = "../kms_key"
  alias       = "${var.name_prefix}-pipeline"
  description = "Encrypts the ${var.name_prefix} pipeline's logs, function environments and dead letters"
  log_group_name_patterns = [
    "/aws/lambda/${var.name_prefix}-*",
    "/aws/vendedlogs/states/${var.name_prefix}-*",
  ]
  tags = var.tags
}

resource "aws_s3_object" "lambda_zip" {
  for_each    = var.functions
  bucket      = var.bucket_names["artifacts"]
  key         = "lambda/${each.key}.zip"
  source      = "${var.lambda_zip_dir}/${each.key}.zip"
  source_hash = filemd5("${var.lambda_zip_dir}/${each.key}.zip")
  kms_key_id  = var.data_lake_kms_key_arn
  tags        = var.tags
}

resource "aws_cloudwatch_log_group" "function" {
  for_each          = var.functions
  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
  tags              = var.tags
}

# Asynchronous invocations (the S3 trigger) that fail after Lambda's retries land here.
resource "aws_sqs_queue" "dead_letters" {
  name                      = "${var.name_prefix}-pipeline-dead-letters"
  kms_master_key_id         = module.key.arn
  message_retention_seconds = 1209600
  tags                      = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:Zips are built by `make lambda-zips` in CI and uploaded by Terraform; there is no AWS Signer step yet. Integrity: source_code_hash pins each zip.
  for_each      = var.functions
  function_name = local.function_names[each.key]
  description   = each.value.description
  role          = aws_iam_role.function[each.key].arn
  handler       = each.value.handler
  runtime       = var.lambda_runtime
  architectures = [var.lambda_architecture]
  timeout       = each.value.timeout_seconds
  memory_size   = each.value.memory_mb

  s3_bucket        = aws_s3_object.lambda_zip[each.key].bucket
  s3_key           = aws_s3_object.lambda_zip[each.key].key
  source_code_hash = filebase64sha256("${var.lambda_zip_dir}/${each.key}.zip")

  # The load steps hold warehouse connections: cap them so batches cannot pile onto it.
  reserved_concurrent_executions = contains(each.value.access, "warehouse") ? var.warehouse_function_concurrency : var.default_function_concurrency
  kms_key_arn                    = module.key.arn

  environment {
    variables = merge(
      local.function_environment[each.key],
      contains(each.value.access, "warehouse") ? local.warehouse_environment : {},
    )
  }

  vpc_config {
    subnet_ids         = var.warehouse.subnet_ids
    security_group_ids = [var.warehouse.client_security_group_id]
  }

  tracing_config {
    mode = "Active"
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letters.arn
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.function,
    aws_iam_role_policy.function,
    aws_iam_role_policy_attachment.function_vpc,
  ]
}

resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.key.arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "load" {
  name     = local.state_machine_name
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn
  definition = templatefile(
    var.state_machine.template_path,
    local.state_machine_template_values,
  )

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags
}

# The batch trigger: silver objects under the batches prefix ending with the batch summary
# name, and nothing else, invoke the notification function.
resource "aws_lambda_permission" "batch_trigger" {
  statement_id   = "InvokeFromSilverBatchSummary"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this[var.batch_notification.function].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = var.bucket_arns[var.batch_notification.bucket]
  source_account = local.account_id
}

resource "aws_s3_bucket_notification" "batch_trigger" {
  bucket = var.bucket_names[var.batch_notification.bucket]

  lambda_function {
    lambda_function_arn = aws_lambda_function.this[var.batch_notification.function].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.batch_notification.prefix
    filter_suffix       = var.batch_notification.suffix
  }

  depends_on = [aws_lambda_permission.batch_trigger]
}
