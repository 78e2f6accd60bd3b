# The private network of the database loaders: two private subnets (RDS needs two AZs), no NAT.
# Functions reach S3 through a gateway endpoint and Secrets Manager through an interface endpoint,
# so nothing in the VPC needs a route to the internet.

data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "pipelines" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true # the interface endpoint's private DNS name needs both
  tags = {
    Name = "${local.name_prefix}-pipelines"
  }
}

resource "aws_subnet" "pipelines_private" {
  count             = 2
  vpc_id            = aws_vpc.pipelines.id
  cidr_block        = cidrsubnet(var.vpc_cidr, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags = {
    Name = "${local.name_prefix}-private-${count.index}"
  }
}

resource "aws_route_table" "pipelines_private" {
  vpc_id = aws_vpc.pipelines.id
  tags = {
    Name = "${local.name_prefix}-private"
  }
}

resource "aws_route_table_association" "pipelines_private" {
  count          = length(aws_subnet.pipelines_private)
  subnet_id      = aws_subnet.pipelines_private[count.index].id
  route_table_id = aws_route_table.pipelines_private.id
}

resource "aws_vpc_endpoint" "pipelines_s3" {
  vpc_id            = aws_vpc.pipelines.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.pipelines_private.id]
}

resource "aws_vpc_endpoint" "pipelines_secretsmanager" {
  vpc_id              = aws_vpc.pipelines.id
  service_name        = "com.amazonaws.${var.region}.secretsmanager"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = aws_subnet.pipelines_private[*].id
  security_group_ids  = [aws_security_group.pipeline_endpoints.id]
  private_dns_enabled = true
}

resource "aws_security_group" "loaders" {
  name        = "${local.name_prefix}-loaders"
  description = "Functions that load data into the pipeline databases"
  vpc_id      = aws_vpc.pipelines.id
}

resource "aws_vpc_security_group_egress_rule" "loaders_all" {
  security_group_id = aws_security_group.loaders.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  description       = "Databases and endpoints; without a NAT nothing else is reachable anyway."
}

# Its ingress rules, one per database engine, are in databases.tf.
resource "aws_security_group" "pipeline_databases" {
  name        = "${local.name_prefix}-databases"
  description = "Pipeline databases, reachable from the loader functions only"
  vpc_id      = aws_vpc.pipelines.id
}

resource "aws_security_group" "pipeline_endpoints" {
  name        = "${local.name_prefix}-endpoints"
  description = "Interface VPC endpoints, reachable from the loader functions over HTTPS"
  vpc_id      = aws_vpc.pipelines.id
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_loaders" {
  security_group_id            = aws_security_group.pipeline_endpoints.id
  referenced_security_group_id = aws_security_group.loaders.id
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
}
