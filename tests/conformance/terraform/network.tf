data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "pipeline" {
  cidr_block           = "10.42.0.0/16"
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {
    Name = "${var.name}-pipeline"
  }
}

resource "aws_subnet" "private" {
  count             = 2
  vpc_id            = aws_vpc.pipeline.id
  cidr_block        = cidrsubnet(aws_vpc.pipeline.cidr_block, 8, count.index)
  availability_zone = data.aws_availability_zones.available.names[count.index]
  tags = {
    Name = "${var.name}-private-${count.index}"
  }
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.pipeline.id
  tags = {
    Name = "${var.name}-private"
  }
}

resource "aws_route_table_association" "private" {
  count          = length(aws_subnet.private)
  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

# Functions in private subnets reach S3 through a gateway endpoint, not the internet.
resource "aws_vpc_endpoint" "s3" {
  vpc_id            = aws_vpc.pipeline.id
  service_name      = "com.amazonaws.${var.region}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private.id]
}

resource "aws_security_group" "functions" {
  name        = "${var.name}-functions"
  description = "Lambda functions of the pipeline"
  vpc_id      = aws_vpc.pipeline.id
}

resource "aws_vpc_security_group_egress_rule" "functions_all" {
  security_group_id = aws_security_group.functions.id
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
  description       = "Functions may call out anywhere (S3 goes through the endpoint)."
}

resource "aws_security_group" "databases" {
  name        = "${var.name}-databases"
  description = "Databases of the pipeline"
  vpc_id      = aws_vpc.pipeline.id
}

resource "aws_vpc_security_group_ingress_rule" "postgres_from_functions" {
  security_group_id            = aws_security_group.databases.id
  referenced_security_group_id = aws_security_group.functions.id
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
}

resource "aws_vpc_security_group_ingress_rule" "mysql_from_functions" {
  security_group_id            = aws_security_group.databases.id
  referenced_security_group_id = aws_security_group.functions.id
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}
