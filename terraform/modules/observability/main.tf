# Alerts topic, dashboards, alarms, budget. Dashboards and alarms are NOT written here: they are
# estate facts under facts/observability/ (rendered here with templatefile(), and by the local
# deployer with the same placeholder names), so AWS and the local estate show the same views.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  # Every value must be known at plan time (names, not attributes AWS computes): alarm names,
  # the for_each keys, come out of the rendered template.
  template_values = {
    region                              = data.aws_region.current.region
    name_prefix                         = var.name_prefix
    metrics_namespace                   = var.metrics_namespace
    metrics_service                     = var.metrics_service
    state_machine_arn                   = var.state_machine_arn
    glue_job_name                       = var.glue_job_name
    warehouse_workgroup                 = var.warehouse_workgroup
    dead_letter_queue_name              = var.dead_letter_queue_name
    reject_ratio_threshold_pct          = var.reject_ratio_threshold_pct
    no_successful_batch_hours           = var.no_successful_batch_hours
    warehouse_compute_seconds_threshold = var.warehouse_compute_seconds_threshold
    gate_wait_alarm_seconds             = var.gate_wait_alarm_seconds
  }

  alarms_template = "${var.observability_dir}/alarms.json"

  global_alarms = jsondecode(templatefile(
    local.alarms_template, merge(local.template_values, { function_key = "", function_name = "" })
  )).alarms

  per_function_alarms = flatten([
    for key, name in var.function_names : jsondecode(templatefile(
      local.alarms_template, merge(local.template_values, { function_key = key, function_name = name })
    )).per_function_alarms
  ])

  # PutMetricAlarm's shape -> one uniform object per alarm (the resource's arguments).
  alarms = {
    for alarm in concat(local.global_alarms, local.per_function_alarms) : alarm.AlarmName => {
      description         = alarm.AlarmDescription
      namespace           = try(alarm.Namespace, null)
      metric_name         = try(alarm.MetricName, null)
      dimensions          = try({ for d in alarm.Dimensions : d.Name => d.Value }, null)
      statistic           = try(alarm.Statistic, null)
      period              = try(alarm.Period, null)
      evaluation_periods  = alarm.EvaluationPeriods
      datapoints_to_alarm = try(alarm.DatapointsToAlarm, null)
      threshold           = alarm.Threshold
      comparison_operator = alarm.ComparisonOperator
      treat_missing_data  = alarm.TreatMissingData
      metric_queries = [
        for query in try(alarm.Metrics, []) : {
          id          = query.Id
          expression  = try(query.Expression, null)
          label       = try(query.Label, null)
          return_data = try(query.ReturnData, null)
          metric = try({
            namespace   = query.MetricStat.Metric.Namespace
            metric_name = query.MetricStat.Metric.MetricName
            dimensions  = { for d in query.MetricStat.Metric.Dimensions : d.Name => d.Value }
            period      = query.MetricStat.Period
            stat        = query.MetricStat.Stat
          }, null)
        }
      ]
    }
  }

  dashboards = fileset("${var.observability_dir}/dashboards", "*.json")
}

module "key" {
  source      = "../kms_key"
  alias       = "${var.name_prefix}-alerts"
  description = "Encrypts the ${var.name_prefix} alerts topic"
  # Alarms, budgets and EventBridge publish to the encrypted topic on their own behalf.
  service_principals = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com"]
  tags               = var.tags
}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-${var.alerts_topic_name}"
  kms_master_key_id = module.key.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "alerts" {
  statement {
    sid       = "AwsServicesPublishAlerts"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com", "budgets.amazonaws.com", "events.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alerts" {
  arn    = aws_sns_topic.alerts.arn
  policy = data.aws_iam_policy_document.alerts.json
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

resource "aws_cloudwatch_dashboard" "this" {
  for_each       = local.dashboards
  dashboard_name = "${var.name_prefix}-${replace(trimsuffix(each.value, ".json"), "_", "-")}"
  dashboard_body = templatefile("${var.observability_dir}/dashboards/${each.value}", local.template_values)
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = local.alarms
  alarm_name          = each.key
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = each.value.period
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  threshold           = each.value.threshold
  comparison_operator = each.value.comparison_operator
  treat_missing_data  = each.value.treat_missing_data
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  dynamic "metric_query" {
    for_each = each.value.metric_queries
    content {
      id          = metric_query.value.id
      expression  = metric_query.value.expression
      label       = metric_query.value.label
      return_data = metric_query.value.return_data
      dynamic "metric" {
        for_each = metric_query.value.metric == null ? [] : [metric_query.value.metric]
        content {
          namespace   = metric.value.namespace
          metric_name = metric.value.metric_name
          dimensions  = metric.value.dimensions
          period      = metric.value.period
          stat        = metric.value.stat
        }
      }
    }
  }

  tags = var.tags
}

# Glue runs that fail or time out alert directly (they emit no pipeline metrics).
resource "aws_cloudwatch_event_rule" "glue_job_failed" {
  name        = "${var.name_prefix}-glue-job-failed"
  description = "Glue job ${var.glue_job_name} failed, timed out or errored"
  event_pattern = jsonencode({
    source        = ["aws.glue"]
    "detail-type" = ["Glue Job State Change"]
    detail = {
      jobName = [var.glue_job_name]
      state   = ["FAILED", "TIMEOUT", "ERROR"]
    }
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "glue_job_failed" {
  rule = aws_cloudwatch_event_rule.glue_job_failed.name
  arn  = aws_sns_topic.alerts.arn
}

resource "aws_budgets_budget" "monthly" {
  name         = "${var.name_prefix}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # Counts resources tagged Environment=<env>; activate that cost allocation tag once per account.
  cost_filter {
    name   = "TagKeyValue"
    values = [format("user:Environment$%s", var.environment)]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 80
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.alerts.arn]
  }
}
