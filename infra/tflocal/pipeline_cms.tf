# CMS Part D prescribers -> raw bucket (cms/year=YYYY/ingest_date=.../page-N.json) -> RDS MySQL.
# cms_fetch pages through the CMS data API; each stored page triggers cms_load_mysql (in the private
# subnets) which upserts it, at most once per object version.

module "cms_fetch" {
  source             = "./modules/function"
  name               = "cms_fetch"
  name_prefix        = local.name_prefix
  description        = "Fetches CMS Part D prescriber pages into the raw bucket."
  package            = "${local.lambda_dir}/cms_fetch.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 600
  memory_size        = 512
  environment = {
    API_URL    = var.cms_api_url
    DATASET_ID = var.cms_dataset_id
    DATA_YEAR  = var.cms_data_year
    PAGE_SIZE  = tostring(var.cms_page_size)
    RAW_BUCKET = aws_s3_bucket.bucket["cms_raw"].bucket
    RAW_PREFIX = "cms"
  }
  policy_name = "write-raw-pages"
  policy_json = data.aws_iam_policy_document.cms_fetch.json
}

data "aws_iam_policy_document" "cms_fetch" {
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["cms_raw"].arn}/cms/*"]
  }
}

module "cms_load_mysql" {
  source             = "./modules/function"
  name               = "cms_load_mysql"
  name_prefix        = local.name_prefix
  description        = "Upserts each CMS page object into RDS MySQL, once per object version."
  package            = "${local.lambda_dir}/cms_load_mysql.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 120
  memory_size        = 512
  vpc                = local.in_private_subnets
  environment = {
    # The secret's version, not the secret: the function is created once the secret has a value.
    DB_SECRET_ARN = aws_secretsmanager_secret.connection["cms"].arn
    DATA_YEAR     = var.cms_data_year
  }
  policy_name = "read-pages-and-db-secret"
  policy_json = data.aws_iam_policy_document.cms_load_mysql.json
  invoked_by = {
    AllowS3Invoke = { principal = "s3.amazonaws.com", source_arn = aws_s3_bucket.bucket["cms_raw"].arn,
    source_account = data.aws_caller_identity.current.account_id }
  }
}

data "aws_iam_policy_document" "cms_load_mysql" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["cms_raw"].arn}/cms/*"]
  }
  statement {
    sid       = "RejectedRecords"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["cms_raw"].arn}/quarantine/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.connection["cms"].arn]
  }
}

resource "aws_s3_bucket_notification" "cms_raw" {
  bucket = aws_s3_bucket.bucket["cms_raw"].id
  lambda_function {
    id                  = "cms-pages-to-mysql"
    lambda_function_arn = module.cms_load_mysql.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "cms/"
    filter_suffix       = ".json"
  }
  depends_on = [module.cms_load_mysql] # its AllowS3Invoke permission: S3 checks it when the notification is set
}
