# The first half of the pipeline (extract -> transform -> publish) as an AWS Glue 5.0 job
# (Spark 3.5, Python 3.11) running spark/glue_job.py with the treatment_jobs package, on a
# schedule, one run at a time (the watermark contract allows one extract at a time).
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  job_name      = "${var.name_prefix}-treatment-jobs"
  artifacts     = var.bucket_names["artifacts"]
  package_key   = "glue/treatment_jobs-${data.archive_file.spark_package.output_md5}.zip"
  script_key    = "glue/glue_job.py"
  log_group_arn = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.region}:${data.aws_caller_identity.current.account_id}:log-group:/aws-glue/*"
}

module "key" {
  source                  = "../kms_key"
  alias                   = "${var.name_prefix}-spark-job"
  description             = "Encrypts the ${var.name_prefix} Glue job's logs and bookmarks"
  log_group_name_patterns = ["/aws-glue/*"]
  tags                    = var.tags
}

# The spark/ folder (treatment_jobs package) zipped for --extra-py-files.
data "archive_file" "spark_package" {
  type        = "zip"
  source_dir  = var.spark_dir
  output_path = "${path.root}/.build/treatment_jobs.zip"
  excludes    = ["**/__pycache__/**", "**/*.pyc", "glue_job.py"]
}

resource "aws_s3_object" "script" {
  bucket      = local.artifacts
  key         = local.script_key
  source      = "${var.spark_dir}/glue_job.py"
  source_hash = filemd5("${var.spark_dir}/glue_job.py")
  kms_key_id  = var.data_lake_kms_key_arn
  tags        = var.tags
}

resource "aws_s3_object" "package" {
  bucket     = local.artifacts
  key        = local.package_key
  source     = data.archive_file.spark_package.output_path
  kms_key_id = var.data_lake_kms_key_arn
  tags       = var.tags
}

resource "aws_glue_security_configuration" "this" {
  name = "${var.name_prefix}-spark-job"
  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.data_lake_kms_key_arn
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = module.key.arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = module.key.arn
    }
  }
}

resource "aws_glue_job" "treatment_jobs" {
  name                   = local.job_name
  description            = "DynamoDB -> bronze -> silver Parquet + batch summary (spark/treatment_jobs)"
  role_arn               = aws_iam_role.glue.arn
  glue_version           = "5.0"
  worker_type            = var.worker_type
  number_of_workers      = var.number_of_workers
  timeout                = var.timeout_minutes
  security_configuration = aws_glue_security_configuration.this.name
  max_retries            = 0

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${local.artifacts}/${aws_s3_object.script.key}"
  }

  execution_property {
    max_concurrent_runs = 1
  }

  default_arguments = merge({
    "--extra-py-files"                   = "s3://${local.artifacts}/${aws_s3_object.package.key}"
    "--job-bookmark-option"              = "job-bookmark-disable"
    "--enable-metrics"                   = "true"
    "--enable-observability-metrics"     = "true"
    "--enable-continuous-cloudwatch-log" = "true"
    "--TempDir"                          = "s3://${local.artifacts}/glue/tmp/"
    "--additional-python-modules"        = var.additional_python_modules
    # Read by spark/glue_job.py (getResolvedOptions) and handed to treatment_jobs.main as
    # `run --table … --index … --silver-bucket … --bronze-root … --silver-root … --overlap-seconds …`.
    "--stage"           = "run"
    "--table"           = var.source_table_name
    "--index"           = var.source_index_name
    "--silver_bucket"   = var.bucket_names["silver"]
    "--bronze_root"     = "s3://${var.bucket_names["bronze"]}/"
    "--silver_root"     = "s3://${var.bucket_names["silver"]}/${var.silver_work_prefix}"
    "--overlap_seconds" = tostring(var.incremental_overlap_seconds)
  }, var.extra_arguments)

  tags = var.tags
}

resource "aws_glue_trigger" "schedule" {
  name     = "${local.job_name}-schedule"
  type     = "SCHEDULED"
  schedule = var.schedule
  enabled  = var.schedule_enabled
  actions {
    job_name = aws_glue_job.treatment_jobs.name
  }
  tags = var.tags
}
