# One customer-managed key per concern: a leaked grant or a key deletion touches one part of
# the estate only. The account root administers the key (IAM policies then grant use);
# AWS services that encrypt on their own behalf (Logs, SNS publishers) are named explicitly.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_root = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"

  root_statement = [{
    Sid       = "AccountAdministersKey"
    Effect    = "Allow"
    Principal = { AWS = local.account_root }
    Action    = "kms:*"
    Resource  = "*"
  }]

  logs_statement = length(var.log_group_name_patterns) == 0 ? [] : [{
    Sid       = "CloudWatchLogsEncryptsItsLogGroups"
    Effect    = "Allow"
    Principal = { Service = "logs.${data.aws_region.current.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = [
          for pattern in var.log_group_name_patterns :
          "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:${pattern}"
        ]
      }
    }
  }]

  service_statement = length(var.service_principals) == 0 ? [] : [{
    Sid       = "ServicesPublishEncrypted"
    Effect    = "Allow"
    Principal = { Service = var.service_principals }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
    Resource  = "*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
    }
  }]
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.root_statement, local.logs_statement, local.service_statement)
  })
  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.alias}"
  target_key_id = aws_kms_key.this.key_id
}
