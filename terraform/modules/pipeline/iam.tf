# Least privilege: every function gets its own role, built from the capabilities its
# resources.json 'access' list names. A capability not listed here fails the plan (invalid index)
# and the terraform test, so a new capability is a deliberate change in this file.
locals {
  silver_arn = var.bucket_arns[var.batch_notification.bucket]
  # The load lease (one object; contracts/pipeline.md "Batches load strictly one at a time").
  load_lease_key = var.silver_layout["load_lease_key"]
  # ListBucket on the lease key only: without it a GetObject of the absent lease answers 403,
  # not 404 (a free lease would look like an error).
  load_lease_list = {
    sid        = "LoadLeaseList"
    effect     = "Allow"
    actions    = ["s3:ListBucket"]
    resources  = [local.silver_arn]
    conditions = [{ test = "StringEquals", variable = "s3:prefix", values = [local.load_lease_key] }]
  }

  capability_statements = {
    silver_read = [
      { sid = "SilverReadObjects", effect = "Allow", actions = ["s3:GetObject"], resources = ["${local.silver_arn}/*"] },
      { sid = "SilverList", effect = "Allow", actions = ["s3:ListBucket"], resources = [local.silver_arn] },
      { sid = "SilverDecrypt", effect = "Allow", actions = ["kms:Decrypt"], resources = [var.data_lake_kms_key_arn] },
    ]
    # The failure path's deferred tracker records (put by on_failure when the warehouse is
    # unreachable; copy and on_failure write them to the tracker, then delete them): that
    # prefix only, never the extract's watermark.
    silver_state_write = [
      { sid = "DeferredFailuresReadWrite", effect = "Allow", actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources = ["${local.silver_arn}/${var.silver_layout["deferred_failures_prefix"]}*"] },
      { sid = "DeferredFailuresList", effect = "Allow", actions = ["s3:ListBucket"], resources = [local.silver_arn] },
      { sid = "DeferredFailuresEncrypt", effect = "Allow", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.data_lake_kms_key_arn] },
    ]
    # The gate: read the lease, write it only by conditional put (If-None-Match / If-Match).
    load_lease_take = [
      { sid = "LoadLeaseTake", effect = "Allow", actions = ["s3:GetObject", "s3:PutObject"], resources = ["${local.silver_arn}/${local.load_lease_key}"] },
      local.load_lease_list,
      { sid = "LoadLeaseEncrypt", effect = "Allow", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.data_lake_kms_key_arn] },
    ]
    # analytics and the failure path: read the lease, delete it (If-Match) when it names them.
    load_lease_release = [
      { sid = "LoadLeaseRelease", effect = "Allow", actions = ["s3:GetObject", "s3:DeleteObject"], resources = ["${local.silver_arn}/${local.load_lease_key}"] },
      local.load_lease_list,
      { sid = "LoadLeaseDecrypt", effect = "Allow", actions = ["kms:Decrypt"], resources = [var.data_lake_kms_key_arn] },
    ]
    load_executions_start = [
      { sid = "StartLoadExecution", effect = "Allow", actions = ["states:StartExecution"], resources = [local.state_machine_arn] },
    ]
    load_executions_read = [
      { sid = "ListLoadExecutions", effect = "Allow", actions = ["states:ListExecutions"], resources = [local.state_machine_arn] },
      { sid = "DescribeLoadExecutions", effect = "Allow", actions = ["states:DescribeExecution"], resources = [local.executions_arn_pattern] },
    ]
    warehouse = [
      { sid = "WarehouseAdminSecret", effect = "Allow", actions = ["secretsmanager:GetSecretValue"], resources = [var.warehouse.admin_secret_arn] },
      { sid = "WarehouseTemporaryCredentials", effect = "Allow", actions = ["redshift-serverless:GetCredentials"], resources = [var.warehouse.workgroup_arn] },
      { sid = "WarehouseSecretDecrypt", effect = "Allow", actions = ["kms:Decrypt"], resources = [var.warehouse.kms_key_arn] },
    ]
    alerts_publish = [
      { sid = "PublishAlerts", effect = "Allow", actions = ["sns:Publish"], resources = [var.alerts_topic_arn] },
      { sid = "PublishAlertsEncrypted", effect = "Allow", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.alerts_kms_key_arn] },
    ]
  }
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each           = var.functions
  name               = "${var.name_prefix}-fn-${each.key}"
  description        = "Execution role of ${local.function_names[each.key]}: ${join(", ", each.value.access)}"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
  tags               = var.tags
}

# ENIs in the warehouse VPC: the AWS-managed policy is what Lambda checks for at create time.
resource "aws_iam_role_policy_attachment" "function_vpc" {
  for_each   = var.functions
  role       = aws_iam_role.function[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
}

data "aws_iam_policy_document" "function" {
  for_each = var.functions

  statement {
    sid       = "OwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
  statement {
    sid       = "DeadLetters"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letters.arn]
  }
  statement {
    sid       = "OwnKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [module.key.arn]
  }

  dynamic "statement" {
    for_each = flatten([for capability in each.value.access : local.capability_statements[capability]])
    content {
      sid       = statement.value.sid
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources
      dynamic "condition" {
        for_each = try(statement.value.conditions, [])
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = var.functions
  name     = "least-privilege"
  role     = aws_iam_role.function[each.key].id
  policy   = data.aws_iam_policy_document.function[each.key].json
}

# State machine role: invoke exactly the functions its template names, log, trace.
data "aws_iam_policy_document" "states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "state_machine" {
  name               = "${var.name_prefix}-sfn-${var.state_machine.name}"
  assume_role_policy = data.aws_iam_policy_document.states_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid     = "InvokeStepFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for name in local.state_machine_functions :
      [aws_lambda_function.this[name].arn, "${aws_lambda_function.this[name].arn}:*"]
    ])
  }
  statement {
    #checkov:skip=CKV_AWS_111:Vended-log delivery actions support no resource-level permissions (AWS docs, Step Functions logging).
    #checkov:skip=CKV_AWS_356:Same: log delivery and X-Ray actions accept only "*".
    sid = "VendedLogDelivery"
    actions = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "invoke-log-trace"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}
