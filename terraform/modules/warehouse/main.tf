# Redshift Serverless: namespace (data, encrypted with this module's key, admin password kept by
# AWS in Secrets Manager) + workgroup (compute, private subnets, enhanced VPC routing), a usage
# limit, the COPY role that reads silver only, and the IAM role BI users assume.
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

module "key" {
  source                  = "../kms_key"
  alias                   = "${var.name_prefix}-warehouse"
  description             = "Encrypts the ${var.name_prefix} warehouse, its admin secret and VPC flow logs"
  log_group_name_patterns = ["/aws/vpc-flow-logs/${var.name_prefix}-*"]
  tags                    = var.tags
}

resource "aws_redshiftserverless_namespace" "this" {
  namespace_name                   = "${var.name_prefix}-warehouse"
  db_name                          = var.database_name
  admin_username                   = var.admin_username
  manage_admin_password            = true
  admin_password_secret_kms_key_id = module.key.arn
  kms_key_id                       = module.key.arn
  iam_roles                        = [aws_iam_role.copy.arn]
  default_iam_role_arn             = aws_iam_role.copy.arn
  log_exports                      = ["userlog", "connectionlog", "useractivitylog"]
  tags                             = var.tags
}

resource "aws_redshiftserverless_workgroup" "this" {
  workgroup_name       = "${var.name_prefix}-warehouse"
  namespace_name       = aws_redshiftserverless_namespace.this.namespace_name
  base_capacity        = var.base_capacity_rpu
  max_capacity         = var.max_capacity_rpu
  port                 = var.port
  enhanced_vpc_routing = true
  publicly_accessible  = false
  subnet_ids           = [for subnet in aws_subnet.private : subnet.id]
  security_group_ids   = [aws_security_group.warehouse.id]

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }
  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }
  # Backstop for runaway statements; every step sets a shorter statement timeout itself.
  config_parameter {
    parameter_key   = "max_query_execution_time"
    parameter_value = tostring(var.max_query_execution_seconds)
  }

  tags = var.tags
}

resource "aws_redshiftserverless_usage_limit" "compute" {
  resource_arn  = aws_redshiftserverless_workgroup.this.arn
  usage_type    = "serverless-compute"
  amount        = var.usage_limit_rpu_hours
  period        = var.usage_limit_period
  breach_action = var.usage_limit_breach_action
}

# COPY role: the warehouse assumes it to read batch files and manifests from silver, nothing else.
data "aws_iam_policy_document" "copy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "copy" {
  name               = "${var.name_prefix}-warehouse-copy"
  description        = "Redshift COPY from the silver bucket's batches only"
  assume_role_policy = data.aws_iam_policy_document.copy_assume.json
  tags               = var.tags
}

data "aws_iam_policy_document" "copy" {
  statement {
    sid       = "ReadBatchFiles"
    actions   = ["s3:GetObject"]
    resources = ["${var.silver_bucket_arn}/${var.silver_batches_prefix}*"]
  }
  statement {
    sid       = "ListBatches"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.silver_bucket_arn]
  }
  statement {
    sid       = "DecryptBatchFiles"
    actions   = ["kms:Decrypt"]
    resources = [var.data_lake_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "copy" {
  name   = "copy-from-silver"
  role   = aws_iam_role.copy.id
  policy = data.aws_iam_policy_document.copy.json
}

# BI users assume this role and get temporary database credentials; the principal tag maps
# them to the database role that is granted the analytics schema only (redshift/ddl).
data "aws_iam_policy_document" "bi_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "AWS"
      identifiers = length(var.bi_principal_arns) > 0 ? var.bi_principal_arns : ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }
}

resource "aws_iam_role" "bi" {
  name               = "${var.name_prefix}-warehouse-bi"
  description        = "BI readers: temporary credentials mapped to the database role ${var.bi_database_role}"
  assume_role_policy = data.aws_iam_policy_document.bi_assume.json
  tags               = merge(var.tags, { RedshiftDbRoles = var.bi_database_role })
}

data "aws_iam_policy_document" "bi" {
  statement {
    sid       = "TemporaryDatabaseCredentials"
    actions   = ["redshift-serverless:GetCredentials"]
    resources = [aws_redshiftserverless_workgroup.this.arn]
  }
}

resource "aws_iam_role_policy" "bi" {
  name   = "warehouse-credentials"
  role   = aws_iam_role.bi.id
  policy = data.aws_iam_policy_document.bi.json
}
