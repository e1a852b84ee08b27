# Three groups: the warehouse, its clients (the Lambda functions) and the interface endpoints.
# Rules name their peers; nothing is open to 0.0.0.0/0.
resource "aws_security_group" "warehouse" {
  name        = "${var.name_prefix}-warehouse"
  description = "Redshift Serverless workgroup: accepts its clients on the warehouse port"
  vpc_id      = aws_vpc.this.id
  tags        = var.tags
}

resource "aws_security_group" "clients" {
  #checkov:skip=CKV2_AWS_5:Attached to every Lambda function in modules/pipeline (vpc_config, passed as var.warehouse.client_security_group_id); the graph does not follow the object variable across modules.
  name        = "${var.name_prefix}-warehouse-clients"
  description = "Functions that talk to the warehouse and to AWS APIs through endpoints"
  vpc_id      = aws_vpc.this.id
  tags        = var.tags
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name_prefix}-vpc-endpoints"
  description = "Interface VPC endpoints: HTTPS from the warehouse clients"
  vpc_id      = aws_vpc.this.id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "warehouse_from_clients" {
  security_group_id            = aws_security_group.warehouse.id
  description                  = "Warehouse port from its clients"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.clients.id
}

resource "aws_vpc_security_group_egress_rule" "warehouse_to_s3" {
  security_group_id = aws_security_group.warehouse.id
  description       = "COPY reads silver through the S3 gateway endpoint (enhanced VPC routing)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_egress_rule" "clients_to_warehouse" {
  security_group_id            = aws_security_group.clients.id
  description                  = "Warehouse port"
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port
  referenced_security_group_id = aws_security_group.warehouse.id
}

resource "aws_vpc_security_group_egress_rule" "clients_to_endpoints" {
  security_group_id            = aws_security_group.clients.id
  description                  = "AWS APIs through the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id
}

resource "aws_vpc_security_group_egress_rule" "clients_to_s3" {
  security_group_id = aws_security_group.clients.id
  description       = "S3 through the gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = aws_vpc_endpoint.s3.prefix_list_id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_clients" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the warehouse clients"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.clients.id
}
