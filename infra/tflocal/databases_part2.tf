# The ETL pipeline's two databases: totesys (the OLTP source) and the star-schema warehouse, both PostgreSQL.
# Same network and pattern as databases_part1.tf: RDS keeps the master password in its managed secret, and the
# functions read a secret of ours shaped {"engine","host","port","username","password","dbname"}.

resource "aws_db_instance" "totesys" {
  identifier                  = "${local.name_prefix}-totesys"
  engine                      = "postgres"
  engine_version              = var.postgres_engine_version
  instance_class              = var.db_instance_class
  allocated_storage           = 20
  storage_encrypted           = true
  db_name                     = "totesys"
  username                    = "totesys"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.pipelines.name
  vpc_security_group_ids      = [aws_security_group.pipeline_databases.id]
  publicly_accessible         = false
  skip_final_snapshot         = true
  apply_immediately           = true
}

resource "aws_db_instance" "warehouse" {
  identifier                  = "${local.name_prefix}-warehouse"
  engine                      = "postgres"
  engine_version              = var.postgres_engine_version
  instance_class              = var.db_instance_class
  allocated_storage           = 20
  storage_encrypted           = true
  db_name                     = "warehouse"
  username                    = "warehouse"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.pipelines.name
  vpc_security_group_ids      = [aws_security_group.pipeline_databases.id]
  publicly_accessible         = false
  skip_final_snapshot         = true
  apply_immediately           = true
}

data "aws_secretsmanager_secret_version" "totesys_master" {
  secret_id = aws_db_instance.totesys.master_user_secret[0].secret_arn
}

data "aws_secretsmanager_secret_version" "warehouse_master" {
  secret_id = aws_db_instance.warehouse.master_user_secret[0].secret_arn
}

resource "aws_secretsmanager_secret" "totesys" {
  name                    = "${local.name_prefix}/etl/totesys"
  description             = "Connection to the totesys OLTP database: engine, host, port, username, password, dbname."
  recovery_window_in_days = 0 # a destroyed stack frees the name at once, so it can be applied again
}

resource "aws_secretsmanager_secret_version" "totesys" {
  secret_id = aws_secretsmanager_secret.totesys.id
  secret_string = jsonencode({
    engine   = aws_db_instance.totesys.engine
    host     = aws_db_instance.totesys.address
    port     = aws_db_instance.totesys.port
    username = aws_db_instance.totesys.username
    password = jsondecode(data.aws_secretsmanager_secret_version.totesys_master.secret_string)["password"]
    dbname   = aws_db_instance.totesys.db_name
  })
}

resource "aws_secretsmanager_secret" "warehouse" {
  name                    = "${local.name_prefix}/etl/warehouse"
  description             = "Connection to the star-schema warehouse: engine, host, port, username, password, dbname."
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "warehouse" {
  secret_id = aws_secretsmanager_secret.warehouse.id
  secret_string = jsonencode({
    engine   = aws_db_instance.warehouse.engine
    host     = aws_db_instance.warehouse.address
    port     = aws_db_instance.warehouse.port
    username = aws_db_instance.warehouse.username
    password = jsondecode(data.aws_secretsmanager_secret_version.warehouse_master.secret_string)["password"]
    dbname   = aws_db_instance.warehouse.db_name
  })
}

output "oltp_secret_arn" {
  description = "Secret with the totesys connection (engine, host, port, username, password, dbname)."
  value       = aws_secretsmanager_secret.totesys.arn
}

output "warehouse_secret_arn" {
  description = "Secret with the warehouse connection (engine, host, port, username, password, dbname)."
  value       = aws_secretsmanager_secret.warehouse.arn
}
