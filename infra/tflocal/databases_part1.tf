# The two pipeline databases: MySQL for the CMS data, PostgreSQL for the CSV upserts.
# RDS keeps the master password in its own managed secret; each function reads a secret of ours shaped
# {"engine","host","port","username","password","dbname"} (the console's "RDS credentials" shape).

resource "aws_db_subnet_group" "pipelines" {
  name       = "${local.name_prefix}-pipelines"
  subnet_ids = aws_subnet.pipelines_private[*].id
}

resource "aws_db_instance" "cms" {
  identifier                  = "${local.name_prefix}-cms"
  engine                      = "mysql"
  engine_version              = var.mysql_engine_version
  instance_class              = var.db_instance_class
  allocated_storage           = 20
  storage_encrypted           = true
  db_name                     = "cms"
  username                    = "pipeline"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.pipelines.name
  vpc_security_group_ids      = [aws_security_group.pipeline_databases.id]
  publicly_accessible         = false
  skip_final_snapshot         = true
  apply_immediately           = true
}

resource "aws_db_instance" "uploads" {
  identifier                  = "${local.name_prefix}-uploads"
  engine                      = "postgres"
  engine_version              = var.postgres_engine_version
  instance_class              = var.db_instance_class
  allocated_storage           = 20
  storage_encrypted           = true
  db_name                     = "uploads"
  username                    = "pipeline"
  manage_master_user_password = true
  db_subnet_group_name        = aws_db_subnet_group.pipelines.name
  vpc_security_group_ids      = [aws_security_group.pipeline_databases.id]
  publicly_accessible         = false
  skip_final_snapshot         = true
  apply_immediately           = true
}

data "aws_secretsmanager_secret_version" "cms_master" {
  secret_id = aws_db_instance.cms.master_user_secret[0].secret_arn
}

data "aws_secretsmanager_secret_version" "uploads_master" {
  secret_id = aws_db_instance.uploads.master_user_secret[0].secret_arn
}

resource "aws_secretsmanager_secret" "mysql" {
  name                    = "${local.name_prefix}/cms/mysql"
  description             = "Connection for the CMS loader: engine, host, port, username, password, dbname."
  recovery_window_in_days = 0 # a destroyed stack frees the name at once, so it can be applied again
}

resource "aws_secretsmanager_secret_version" "mysql" {
  secret_id = aws_secretsmanager_secret.mysql.id
  secret_string = jsonencode({
    engine   = aws_db_instance.cms.engine
    host     = aws_db_instance.cms.address
    port     = aws_db_instance.cms.port
    username = aws_db_instance.cms.username
    password = jsondecode(data.aws_secretsmanager_secret_version.cms_master.secret_string)["password"]
    dbname   = aws_db_instance.cms.db_name
  })
}

resource "aws_secretsmanager_secret" "postgres" {
  name                    = "${local.name_prefix}/uploads/postgres"
  description             = "Connection for the CSV upserts: engine, host, port, username, password, dbname."
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "postgres" {
  secret_id = aws_secretsmanager_secret.postgres.id
  secret_string = jsonencode({
    engine   = aws_db_instance.uploads.engine
    host     = aws_db_instance.uploads.address
    port     = aws_db_instance.uploads.port
    username = aws_db_instance.uploads.username
    password = jsondecode(data.aws_secretsmanager_secret_version.uploads_master.secret_string)["password"]
    dbname   = aws_db_instance.uploads.db_name
  })
}
