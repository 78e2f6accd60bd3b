resource "aws_db_subnet_group" "pipeline" {
  name       = "${var.name}-pipeline"
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_instance" "reporting" {
  identifier             = "${var.name}-reporting"
  engine                 = "postgres"
  engine_version         = "16.3"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  db_name                = "reporting"
  username               = "pipeline"
  password               = var.db_password
  db_subnet_group_name   = aws_db_subnet_group.pipeline.name
  vpc_security_group_ids = [aws_security_group.databases.id]
  skip_final_snapshot    = true
  apply_immediately      = true
}

resource "aws_db_instance" "legacy" {
  identifier             = "${var.name}-legacy"
  engine                 = "mysql"
  engine_version         = "8.0.39"
  instance_class         = "db.t3.micro"
  allocated_storage      = 20
  db_name                = "legacy"
  username               = "pipeline"
  password               = var.db_password
  db_subnet_group_name   = aws_db_subnet_group.pipeline.name
  vpc_security_group_ids = [aws_security_group.databases.id]
  skip_final_snapshot    = true
  apply_immediately      = true
}
