# The pipeline databases, all in the private subnets: MySQL for the CMS data, PostgreSQL for the CSV upserts,
# and for the ETL its source (totesys, the OLTP database) and its target (the star-schema warehouse).
# RDS keeps each master password in its own managed secret; the functions read a secret of ours shaped
# {"engine","host","port","username","password","dbname"} (the console's "RDS credentials" shape).

locals {
  # The key is the instance identifier's suffix and the database name; `secret` names our connection secret.
  databases = {
    cms = {
      engine  = "mysql", version = var.mysql_engine_version, username = "pipeline", secret = "cms/mysql"
      purpose = "Connection for the CMS loader"
    }
    uploads = {
      engine  = "postgres", version = var.postgres_engine_version, username = "pipeline", secret = "uploads/postgres"
      purpose = "Connection for the CSV upserts"
    }
    totesys = {
      engine  = "postgres", version = var.postgres_engine_version, username = "totesys", secret = "etl/totesys"
      purpose = "Connection to the totesys OLTP database"
    }
    warehouse = {
      engine  = "postgres", version = var.postgres_engine_version, username = "warehouse", secret = "etl/warehouse"
      purpose = "Connection to the star-schema warehouse"
    }
  }
  database_ports = { mysql = 3306, postgres = 5432 }
}

resource "aws_db_subnet_group" "pipelines" {
  name       = "${local.name_prefix}-pipelines"
  subnet_ids = aws_subnet.pipelines_private[*].id
}

resource "aws_db_instance" "database" {
  for_each                    = local.databases
  identifier                  = "${local.name_prefix}-${each.key}"
  engine                      = each.value.engine
  engine_version              = each.value.version
  instance_class              = var.db_instance_class
  allocated_storage           = 20
  storage_encrypted           = true
  db_name                     = each.key
  username                    = each.value.username
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.pipelines.name
  vpc_security_group_ids      = [aws_security_group.pipeline_databases.id]
  publicly_accessible         = false
  skip_final_snapshot         = true
  apply_immediately           = true
}

data "aws_secretsmanager_secret_version" "master" {
  for_each  = aws_db_instance.database
  secret_id = each.value.master_user_secret[0].secret_arn
}

# Functions name this secret by its ARN (aws_secretsmanager_secret.connection[...].arn), never through the
# version: the value needs the instance's endpoint, so a reference to the version would hold every database
# function back until RDS's create wait (80 s) ends. They read the value when invoked, after the apply.
resource "aws_secretsmanager_secret" "connection" {
  for_each                = local.databases
  name                    = "${local.name_prefix}/${each.value.secret}"
  description             = "${each.value.purpose}: engine, host, port, username, password, dbname."
  recovery_window_in_days = 0 # a destroyed stack frees the name at once, so it can be applied again
}

resource "aws_secretsmanager_secret_version" "connection" {
  for_each  = aws_db_instance.database
  secret_id = aws_secretsmanager_secret.connection[each.key].id
  secret_string = jsonencode({
    engine   = each.value.engine
    host     = each.value.address
    port     = each.value.port
    username = each.value.username
    password = jsondecode(data.aws_secretsmanager_secret_version.master[each.key].secret_string)["password"]
    dbname   = each.value.db_name
  })
}

# Each engine's port is open to the loader functions, and only to them.
resource "aws_vpc_security_group_ingress_rule" "database_from_loaders" {
  for_each                     = toset([for database in local.databases : database.engine])
  security_group_id            = aws_security_group.pipeline_databases.id
  referenced_security_group_id = aws_security_group.loaders.id
  ip_protocol                  = "tcp"
  from_port                    = local.database_ports[each.key]
  to_port                      = local.database_ports[each.key]
}
