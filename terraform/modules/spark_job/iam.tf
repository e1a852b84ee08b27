data "aws_iam_policy_document" "glue_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["glue.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "glue" {
  name               = "${var.name_prefix}-glue-treatment-jobs"
  assume_role_policy = data.aws_iam_policy_document.glue_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "glue" {
  statement {
    sid       = "ReadSourceTable"
    actions   = ["dynamodb:DescribeTable", "dynamodb:Scan", "dynamodb:Query"]
    resources = [var.source_table_arn, var.source_index_arn]
  }
  statement {
    sid       = "DecryptSourceTable"
    actions   = ["kms:Decrypt", "kms:DescribeKey"]
    resources = [var.source_table_kms_key_arn]
  }
  statement {
    sid       = "ReadJobCode"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arns["artifacts"]}/glue/*"]
  }
  statement {
    sid       = "WriteTempDir"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arns["artifacts"]}/glue/tmp/*"]
  }
  statement {
    sid       = "ReadWriteBronzeAndSilver"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arns["bronze"]}/*", "${var.bucket_arns["silver"]}/*"]
  }
  statement {
    sid       = "ListLakeBuckets"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.bucket_arns["bronze"], var.bucket_arns["silver"], var.bucket_arns["artifacts"]]
  }
  statement {
    sid       = "LakeEncryption"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.data_lake_kms_key_arn, module.key.arn]
  }
  statement {
    sid       = "GlueLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
    resources = [local.log_group_arn, "${local.log_group_arn}:*"]
  }
  statement {
    sid       = "JobMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue", var.metrics_namespace]
    }
  }
}

resource "aws_iam_role_policy" "glue" {
  name   = "treatment-jobs"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue.json
}
