# Pipeline 2: a CSV dropped under data/ in the uploads bucket is upserted into RDS PostgreSQL (table = file
# name, key = id or email); rows that cannot load go to quarantine/<original key> with an .errors.json.

resource "aws_s3_bucket" "uploads" {
  bucket        = "${local.name_prefix}-uploads-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "uploads" {
  bucket                  = aws_s3_bucket.uploads.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_iam_role" "csv_upsert" {
  name               = "${local.name_prefix}-csv-upsert"
  assume_role_policy = data.aws_iam_policy_document.part1_lambda_assume.json
}

data "aws_iam_policy_document" "csv_upsert" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.csv_upsert.arn}:*"]
  }
  statement {
    sid       = "VpcNetworkInterfaces"
    actions   = local.part1_vpc_eni_actions
    resources = ["*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/data/*"]
  }
  statement {
    sid       = "Quarantine"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.uploads.arn}/quarantine/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.postgres.arn]
  }
}

resource "aws_iam_role_policy" "csv_upsert" {
  name   = "read-uploads-write-quarantine"
  role   = aws_iam_role.csv_upsert.id
  policy = data.aws_iam_policy_document.csv_upsert.json
}

resource "aws_cloudwatch_log_group" "csv_upsert" {
  name              = "/aws/lambda/${local.name_prefix}-csv-upsert"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "csv_upsert" {
  function_name    = "${local.name_prefix}-csv-upsert"
  description      = "Upserts CSV uploads into PostgreSQL tables named after the files."
  role             = aws_iam_role.csv_upsert.arn
  runtime          = var.lambda_python_runtime
  handler          = "handler.handler"
  filename         = "${local.part1_lambda_dir}/csv_upsert.zip"
  source_code_hash = filebase64sha256("${local.part1_lambda_dir}/csv_upsert.zip")
  timeout          = 300
  memory_size      = 1024
  environment {
    variables = {
      DB_SECRET_ARN     = aws_secretsmanager_secret.postgres.arn
      QUARANTINE_PREFIX = "quarantine/"
    }
  }
  vpc_config {
    subnet_ids         = aws_subnet.pipelines_private[*].id
    security_group_ids = [aws_security_group.loaders.id]
  }
  depends_on = [aws_cloudwatch_log_group.csv_upsert, aws_iam_role_policy.csv_upsert,
  aws_secretsmanager_secret_version.postgres]
}

resource "aws_lambda_permission" "uploads_invoke_csv_upsert" {
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.csv_upsert.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.uploads.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id
  lambda_function {
    id                  = "csv-uploads-to-postgres"
    lambda_function_arn = aws_lambda_function.csv_upsert.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "data/"
    filter_suffix       = ".csv"
  }
  depends_on = [aws_lambda_permission.uploads_invoke_csv_upsert]
}
