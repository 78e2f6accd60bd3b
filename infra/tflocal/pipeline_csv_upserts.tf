# A CSV dropped under data/ in the uploads bucket is upserted into RDS PostgreSQL (table = file name, key = id
# or email); rows that cannot load go to quarantine/<original key> with an .errors.json.

module "csv_upsert" {
  source             = "./modules/function"
  name               = "csv_upsert"
  name_prefix        = local.name_prefix
  description        = "Upserts CSV uploads into PostgreSQL tables named after the files."
  package            = "${local.lambda_dir}/csv_upsert.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 300
  memory_size        = 1024
  vpc                = local.in_private_subnets
  environment = {
    DB_SECRET_ARN     = aws_secretsmanager_secret.connection["uploads"].arn
    QUARANTINE_PREFIX = "quarantine/"
  }
  policy_name = "read-uploads-write-quarantine"
  policy_json = data.aws_iam_policy_document.csv_upsert.json
  invoked_by = {
    AllowS3Invoke = { principal = "s3.amazonaws.com", source_arn = aws_s3_bucket.bucket["uploads"].arn,
    source_account = data.aws_caller_identity.current.account_id }
  }
}

data "aws_iam_policy_document" "csv_upsert" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["uploads"].arn}/data/*"]
  }
  statement {
    sid       = "Quarantine"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${aws_s3_bucket.bucket["uploads"].arn}/quarantine/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.connection["uploads"].arn]
  }
}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.bucket["uploads"].id
  lambda_function {
    id                  = "csv-uploads-to-postgres"
    lambda_function_arn = module.csv_upsert.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "data/"
    filter_suffix       = ".csv"
  }
  depends_on = [module.csv_upsert] # its AllowS3Invoke permission
}
