# Pipeline 1: CMS Part D prescribers -> raw bucket (cms/year=YYYY/ingest_date=.../page-N.json) -> RDS MySQL.
# cms_fetch pages through the CMS data API; each stored page triggers cms_load_mysql (in the private
# subnets) which upserts it, at most once per object version.

locals {
  part1_lambda_dir = "${path.module}/${var.build_dir}/lambdas"
  # What Lambda needs to attach a function to the VPC (the content of AWSLambdaVPCAccessExecutionRole).
  part1_vpc_eni_actions = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
  "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
}

# Shared by every part-1 function role. Permissions are inline rather than AWS-managed policies
# (AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole): scoped to each function's own log group.
data "aws_iam_policy_document" "part1_lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_s3_bucket" "cms_raw" {
  bucket        = "${local.name_prefix}-cms-raw-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "cms_raw" {
  bucket                  = aws_s3_bucket.cms_raw.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# -- cms_fetch: API -> S3 -------------------------------------------------------------------------------

resource "aws_iam_role" "cms_fetch" {
  name               = "${local.name_prefix}-cms-fetch"
  assume_role_policy = data.aws_iam_policy_document.part1_lambda_assume.json
}

data "aws_iam_policy_document" "cms_fetch" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.cms_fetch.arn}:*"]
  }
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.cms_raw.arn}/cms/*"]
  }
}

resource "aws_iam_role_policy" "cms_fetch" {
  name   = "write-raw-pages"
  role   = aws_iam_role.cms_fetch.id
  policy = data.aws_iam_policy_document.cms_fetch.json
}

resource "aws_cloudwatch_log_group" "cms_fetch" {
  name              = "/aws/lambda/${local.name_prefix}-cms-fetch"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "cms_fetch" {
  function_name    = "${local.name_prefix}-cms-fetch"
  description      = "Fetches CMS Part D prescriber pages into the raw bucket."
  role             = aws_iam_role.cms_fetch.arn
  runtime          = var.lambda_python_runtime
  handler          = "handler.handler"
  filename         = "${local.part1_lambda_dir}/cms_fetch.zip"
  source_code_hash = filebase64sha256("${local.part1_lambda_dir}/cms_fetch.zip")
  timeout          = 600
  memory_size      = 512
  environment {
    variables = {
      API_URL    = var.cms_api_url
      DATASET_ID = var.cms_dataset_id
      DATA_YEAR  = var.cms_data_year
      PAGE_SIZE  = tostring(var.cms_page_size)
      RAW_BUCKET = aws_s3_bucket.cms_raw.bucket
      RAW_PREFIX = "cms"
    }
  }
  depends_on = [aws_cloudwatch_log_group.cms_fetch, aws_iam_role_policy.cms_fetch]
}

# -- cms_load_mysql: S3 event -> MySQL ----------------------------------------------------------------

resource "aws_iam_role" "cms_load_mysql" {
  name               = "${local.name_prefix}-cms-load-mysql"
  assume_role_policy = data.aws_iam_policy_document.part1_lambda_assume.json
}

data "aws_iam_policy_document" "cms_load_mysql" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.cms_load_mysql.arn}:*"]
  }
  statement {
    sid       = "VpcNetworkInterfaces"
    actions   = local.part1_vpc_eni_actions
    resources = ["*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.cms_raw.arn}/cms/*"]
  }
  statement {
    sid       = "RejectedRecords"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.cms_raw.arn}/quarantine/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.mysql.arn]
  }
}

resource "aws_iam_role_policy" "cms_load_mysql" {
  name   = "read-pages-and-db-secret"
  role   = aws_iam_role.cms_load_mysql.id
  policy = data.aws_iam_policy_document.cms_load_mysql.json
}

resource "aws_cloudwatch_log_group" "cms_load_mysql" {
  name              = "/aws/lambda/${local.name_prefix}-cms-load-mysql"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "cms_load_mysql" {
  function_name    = "${local.name_prefix}-cms-load-mysql"
  description      = "Upserts each CMS page object into RDS MySQL, once per object version."
  role             = aws_iam_role.cms_load_mysql.arn
  runtime          = var.lambda_python_runtime
  handler          = "handler.handler"
  filename         = "${local.part1_lambda_dir}/cms_load_mysql.zip"
  source_code_hash = filebase64sha256("${local.part1_lambda_dir}/cms_load_mysql.zip")
  timeout          = 120
  memory_size      = 512
  environment {
    variables = {
      DB_SECRET_ARN = aws_secretsmanager_secret.mysql.arn
      DATA_YEAR     = var.cms_data_year
    }
  }
  vpc_config {
    subnet_ids         = aws_subnet.pipelines_private[*].id
    security_group_ids = [aws_security_group.loaders.id]
  }
  depends_on = [aws_cloudwatch_log_group.cms_load_mysql, aws_iam_role_policy.cms_load_mysql,
  aws_secretsmanager_secret_version.mysql]
}

resource "aws_lambda_permission" "cms_raw_invokes_loader" {
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.cms_load_mysql.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.cms_raw.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "cms_raw" {
  bucket = aws_s3_bucket.cms_raw.id
  lambda_function {
    id                  = "cms-pages-to-mysql"
    lambda_function_arn = aws_lambda_function.cms_load_mysql.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "cms/"
    filter_suffix       = ".json"
  }
  depends_on = [aws_lambda_permission.cms_raw_invokes_loader]
}
