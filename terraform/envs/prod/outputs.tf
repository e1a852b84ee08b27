output "estate" {
  description = "Names and ARNs of the environment (for make migrate, the runbook and the console)."
  value = {
    name_prefix                = module.estate.name_prefix
    source_table_name          = module.estate.source_table_name
    bucket_names               = module.estate.bucket_names
    function_names             = module.estate.function_names
    state_machine_arn          = module.estate.state_machine_arn
    glue_job_name              = module.estate.glue_job_name
    warehouse_workgroup        = module.estate.warehouse_workgroup
    warehouse_endpoint         = module.estate.warehouse_endpoint
    warehouse_admin_secret_arn = module.estate.warehouse_admin_secret_arn
    warehouse_copy_role_arn    = module.estate.warehouse_copy_role_arn
    warehouse_bi_role_arn      = module.estate.warehouse_bi_role_arn
    alerts_topic_arn           = module.estate.alerts_topic_arn
    dashboard_names            = module.estate.dashboard_names
    alarm_names                = module.estate.alarm_names
  }
}
