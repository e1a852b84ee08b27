output "stack" {
  description = "Names and ARNs of the environment (for make migrate, the runbook and the console)."
  value = {
    name_prefix                = module.stack.name_prefix
    source_table_name          = module.stack.source_table_name
    bucket_names               = module.stack.bucket_names
    function_names             = module.stack.function_names
    state_machine_arn          = module.stack.state_machine_arn
    glue_job_name              = module.stack.glue_job_name
    warehouse_workgroup        = module.stack.warehouse_workgroup
    warehouse_endpoint         = module.stack.warehouse_endpoint
    warehouse_admin_secret_arn = module.stack.warehouse_admin_secret_arn
    warehouse_copy_role_arn    = module.stack.warehouse_copy_role_arn
    warehouse_bi_role_arn      = module.stack.warehouse_bi_role_arn
    alerts_topic_arn           = module.stack.alerts_topic_arn
    dashboard_names            = module.stack.dashboard_names
    alarm_names                = module.stack.alarm_names
  }
}
