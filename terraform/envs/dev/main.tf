# The dev environment: provider and the stack module (modules/stack). No resources of its own.
locals {
  repo_root = abspath("${path.root}/../../..")
  project   = jsondecode(file("${local.repo_root}/facts/resources.json")).project
}

provider "aws" {
  region              = var.region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null
  default_tags {
    tags = {
      Project     = local.project
      Environment = "dev"
      ManagedBy   = "terraform"
    }
  }
}

module "stack" {
  source                              = "../../modules/stack"
  environment                         = "dev"
  repo_root                           = local.repo_root
  lambda_zip_dir                      = var.lambda_zip_dir
  deletion_protection                 = var.deletion_protection
  log_retention_days                  = var.log_retention_days
  vpc_cidr                            = var.vpc_cidr
  availability_zone_ids               = var.availability_zone_ids
  warehouse_base_capacity_rpu         = var.warehouse_base_capacity_rpu
  warehouse_max_capacity_rpu          = var.warehouse_max_capacity_rpu
  warehouse_usage_limit_rpu_hours     = var.warehouse_usage_limit_rpu_hours
  warehouse_usage_limit_period        = var.warehouse_usage_limit_period
  warehouse_usage_limit_breach_action = var.warehouse_usage_limit_breach_action
  bi_principal_arns                   = var.bi_principal_arns
  spark_schedule                      = var.spark_schedule
  spark_schedule_enabled              = var.spark_schedule_enabled
  alert_emails                        = var.alert_emails
  reject_ratio_threshold_pct          = var.reject_ratio_threshold_pct
  no_successful_batch_hours           = var.no_successful_batch_hours
  monthly_budget_usd                  = var.monthly_budget_usd
}
