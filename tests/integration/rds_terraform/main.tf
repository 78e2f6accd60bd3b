# Two real databases behind aws_db_instance, with credentials in Secrets Manager as the pipelines keep them.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_db_instance" "orders" {
  identifier          = "rds-test-orders"
  engine              = "postgres"
  engine_version      = "16.4"
  instance_class      = "db.t3.micro"
  allocated_storage   = 20
  db_name             = "orders"
  username            = "app"
  password            = "correct-horse-battery"
  skip_final_snapshot = true
}

resource "aws_db_instance" "catalog" {
  identifier                  = "rds-test-catalog"
  engine                      = "mysql"
  engine_version              = "8.0.39"
  instance_class              = "db.t3.micro"
  allocated_storage           = 20
  db_name                     = "catalog"
  username                    = "admin"
  manage_master_user_password = true # AWS creates the secret {"username", "password"}
  skip_final_snapshot         = true
}

# The "RDS database credentials" shape the pipelines read: engine, host, port, username, password, dbname.
resource "aws_secretsmanager_secret" "orders" {
  name                    = "rds-test/orders"
  recovery_window_in_days = 0
}

resource "aws_secretsmanager_secret_version" "orders" {
  secret_id = aws_secretsmanager_secret.orders.id
  secret_string = jsonencode({
    engine   = aws_db_instance.orders.engine
    host     = aws_db_instance.orders.address
    port     = aws_db_instance.orders.port
    username = aws_db_instance.orders.username
    password = aws_db_instance.orders.password
    dbname   = aws_db_instance.orders.db_name
  })
}

output "orders_secret_arn" {
  value = aws_secretsmanager_secret.orders.arn
}

output "catalog_master_secret_arn" {
  value = aws_db_instance.catalog.master_user_secret[0].secret_arn
}
