# The DynamoDB source table. Key schema and the incremental index come from resources.json
# (source_table): nothing about the keys is written here.
locals {
  index = var.table.modified_index
  # Every key attribute of the table and of the index, declared once each.
  key_attributes = {
    for key in [var.table.hash_key, local.index.partition_key, local.index.sort_key] :
    key.name => key.type
  }
}

module "key" {
  source      = "../kms_key"
  alias       = "${var.name_prefix}-source-table"
  description = "Encrypts the ${var.name_prefix} source table and its backups"
  tags        = var.tags
}

resource "aws_dynamodb_table" "source" {
  name                        = "${var.name_prefix}-${var.table.name}"
  billing_mode                = var.table.billing_mode
  hash_key                    = var.table.hash_key.name
  deletion_protection_enabled = var.deletion_protection

  dynamic "attribute" {
    for_each = local.key_attributes
    content {
      name = attribute.key
      type = attribute.value
    }
  }

  global_secondary_index {
    name            = local.index.name
    hash_key        = local.index.partition_key.name
    range_key       = local.index.sort_key.name
    projection_type = local.index.projection
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = module.key.arn
  }

  tags = var.tags
}
