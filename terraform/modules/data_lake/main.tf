# Bronze / silver / artifacts buckets from resources.json (buckets), plus the bucket that receives
# their server access logs. Bucket names get the account id appended: S3 names are global.
data "aws_caller_identity" "current" {}

locals {
  suffix = data.aws_caller_identity.current.account_id
  bucket_names = {
    for key, bucket in var.buckets : key => "${var.name_prefix}-${bucket.name}-${local.suffix}"
  }
}

module "key" {
  source      = "../kms_key"
  alias       = "${var.name_prefix}-data-lake"
  description = "Encrypts the ${var.name_prefix} data lake objects (bronze, silver, artifacts)"
  tags        = var.tags
}

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Single-region estate; versioning + lifecycle protect objects, and bronze/silver can be rebuilt from the PITR-protected source table. Add replication when a DR region is chosen.
  #checkov:skip=CKV2_AWS_62:Only silver's _batch.json starts work; that notification is aws_s3_bucket_notification.batch_trigger in modules/pipeline (one notification resource per bucket). Bronze and artifacts have no consumers.
  for_each      = local.bucket_names
  bucket        = each.value
  force_destroy = false
  tags          = merge(var.tags, { Layer = each.key })
}

resource "aws_s3_bucket_logging" "lake" {
  for_each      = aws_s3_bucket.lake
  bucket        = each.value.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3/${each.key}/"
}

resource "aws_s3_bucket_versioning" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = module.key.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  for_each                = aws_s3_bucket.lake
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id

  rule {
    id     = "tiering-and-old-versions"
    status = "Enabled"
    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
    transition {
      days          = var.infrequent_access_after_days
      storage_class = "STANDARD_IA"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
  }
}

data "aws_iam_policy_document" "tls_only" {
  for_each = aws_s3_bucket.lake
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [each.value.arn, "${each.value.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "lake" {
  for_each = aws_s3_bucket.lake
  bucket   = each.value.id
  policy   = data.aws_iam_policy_document.tls_only[each.key].json
  # The public access block must exist first, or a policy could briefly be evaluated without it.
  depends_on = [aws_s3_bucket_public_access_block.lake]
}
