# The whole stack of one environment, composed from the modules by concern. Every fact
# (names, handlers, key schema, buckets, notification filter, state machine template and its
# variables, settings) comes from facts/resources.json; this file only wires modules together.
locals {
  facts             = jsondecode(file("${var.repo_root}/facts/resources.json"))
  observability_dir = "${var.repo_root}/facts/observability"
  # Powertools' service name is the 'service' dimension the alarms select on.
  metrics_service = local.facts.functions_environment.POWERTOOLS_SERVICE_NAME.value
  # resources.json keys starting with '_' are comments.
  settings    = { for key, value in local.facts.settings : key => value if !startswith(key, "_") }
  name_prefix = "${local.facts.project}-${var.environment}"

  usage_period_days = { daily = 1, weekly = 7, monthly = 30 }[var.warehouse_usage_limit_period]
  # Daily share of the usage limit at which to warn (the alarm period is one day).
  warehouse_compute_seconds_threshold = floor(
    var.warehouse_usage_limit_rpu_hours * 3600 / local.usage_period_days * var.warehouse_usage_alarm_fraction
  )
}

module "source_table" {
  source              = "../source_table"
  name_prefix         = local.name_prefix
  table               = local.facts.source_table
  deletion_protection = var.deletion_protection
}

module "data_lake" {
  source                            = "../data_lake"
  name_prefix                       = local.name_prefix
  buckets                           = local.facts.buckets
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
}

module "warehouse" {
  source                    = "../warehouse"
  name_prefix               = local.name_prefix
  vpc_cidr                  = var.vpc_cidr
  availability_zone_ids     = var.availability_zone_ids
  base_capacity_rpu         = var.warehouse_base_capacity_rpu
  max_capacity_rpu          = var.warehouse_max_capacity_rpu
  usage_limit_rpu_hours     = var.warehouse_usage_limit_rpu_hours
  usage_limit_period        = var.warehouse_usage_limit_period
  usage_limit_breach_action = var.warehouse_usage_limit_breach_action
  silver_bucket_arn         = module.data_lake.bucket_arns[local.facts.batch_notification.bucket]
  silver_batches_prefix     = local.facts.silver_layout.batches_prefix
  data_lake_kms_key_arn     = module.data_lake.kms_key_arn
  bi_principal_arns         = var.bi_principal_arns
  log_retention_days        = var.log_retention_days
}

module "pipeline" {
  source                = "../pipeline"
  name_prefix           = local.name_prefix
  functions             = local.facts.functions
  functions_environment = local.facts.functions_environment
  state_machine = {
    name               = local.facts.state_machine.name
    template_path      = "${var.repo_root}/${local.facts.state_machine.definition_template}"
    template_variables = local.facts.state_machine.template_variables
  }
  settings              = local.settings
  topic_arns            = { (local.facts.alerts_topic.name) = module.observability.alerts_topic_arn }
  batch_notification    = local.facts.batch_notification
  silver_layout         = local.facts.silver_layout
  bucket_names          = module.data_lake.bucket_names
  bucket_arns           = module.data_lake.bucket_arns
  data_lake_kms_key_arn = module.data_lake.kms_key_arn
  warehouse = {
    workgroup_name           = module.warehouse.workgroup_name
    workgroup_arn            = module.warehouse.workgroup_arn
    endpoint_address         = module.warehouse.endpoint_address
    port                     = module.warehouse.port
    database_name            = module.warehouse.database_name
    admin_secret_arn         = module.warehouse.admin_secret_arn
    kms_key_arn              = module.warehouse.kms_key_arn
    copy_role_arn            = module.warehouse.copy_role_arn
    subnet_ids               = module.warehouse.subnet_ids
    client_security_group_id = module.warehouse.client_security_group_id
  }
  alerts_topic_arn   = module.observability.alerts_topic_arn
  alerts_kms_key_arn = module.observability.alerts_kms_key_arn
  lambda_zip_dir     = var.lambda_zip_dir != "" ? var.lambda_zip_dir : "${var.repo_root}/build/lambda"
  log_retention_days = var.log_retention_days
}

module "spark_job" {
  source                      = "../spark_job"
  name_prefix                 = local.name_prefix
  spark_dir                   = "${var.repo_root}/spark"
  bucket_names                = module.data_lake.bucket_names
  bucket_arns                 = module.data_lake.bucket_arns
  data_lake_kms_key_arn       = module.data_lake.kms_key_arn
  source_table_name           = module.source_table.table_name
  source_index_name           = module.source_table.index_name
  source_table_arn            = module.source_table.table_arn
  source_index_arn            = module.source_table.index_arn
  source_table_kms_key_arn    = module.source_table.kms_key_arn
  metrics_namespace           = local.facts.metrics_namespace
  incremental_overlap_seconds = local.settings.incremental_overlap_seconds
  schedule                    = var.spark_schedule
  schedule_enabled            = var.spark_schedule_enabled
}

module "observability" {
  source                              = "../observability"
  name_prefix                         = local.name_prefix
  environment                         = var.environment
  observability_dir                   = local.observability_dir
  alerts_topic_name                   = local.facts.alerts_topic.name
  alert_emails                        = var.alert_emails
  metrics_namespace                   = local.facts.metrics_namespace
  metrics_service                     = local.metrics_service
  state_machine_arn                   = module.pipeline.state_machine_arn
  function_names                      = module.pipeline.function_names
  dead_letter_queue_name              = module.pipeline.dead_letter_queue_name
  glue_job_name                       = module.spark_job.job_name
  warehouse_workgroup                 = module.warehouse.workgroup_name
  warehouse_compute_seconds_threshold = local.warehouse_compute_seconds_threshold
  reject_ratio_threshold_pct          = var.reject_ratio_threshold_pct
  no_successful_batch_hours           = var.no_successful_batch_hours
  gate_wait_alarm_seconds             = local.settings.gate_wait_alarm_seconds
  monthly_budget_usd                  = var.monthly_budget_usd
}
