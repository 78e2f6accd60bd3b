# CSV under input/ -> snappy Parquet under record_folders/<table>/ingest_date=.../ -> Glue table and
# partitions -> GET /query?sql=... (API Gateway -> Lambda -> Athena).

# -- Glue and Athena -----------------------------------------------------------------------------------

resource "aws_glue_catalog_database" "records" {
  name        = "${replace(local.name_prefix, "-", "_")}_records"
  description = "Tables over record_folders/ in the records bucket, kept up to date by records_catalog."
}

resource "aws_athena_workgroup" "records" {
  name          = "${local.name_prefix}-records"
  force_destroy = true
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = false
    result_configuration {
      output_location = "s3://${aws_s3_bucket.bucket["query_results"].id}/athena/"
    }
  }
}

# -- functions -----------------------------------------------------------------------------------------

locals {
  records_environment = {
    GLUE_DATABASE    = aws_glue_catalog_database.records.name
    ATHENA_WORKGROUP = aws_athena_workgroup.records.name
    OUTPUT_PREFIX    = "record_folders"
  }
  records_s3_invoke = {
    AllowS3Invoke = { principal = "s3.amazonaws.com", source_arn = aws_s3_bucket.bucket["records"].arn,
    source_account = data.aws_caller_identity.current.account_id }
  }
  glue_arns = [
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:catalog",
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:database/${aws_glue_catalog_database.records.name}",
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:table/${aws_glue_catalog_database.records.name}/*",
  ]
}

# The image variant (records_package_type = "Image"): the same code and pyarrow in one container image. The
# repository is created first, the image pushed to it (tag latest), then the function created from the digest
# the tag names now, so a rebuilt image is an in-place code update and an unchanged one no change at all.
resource "aws_ecr_repository" "records_to_parquet" {
  count                = var.records_package_type == "Image" ? 1 : 0
  name                 = "${local.name_prefix}-records-to-parquet"
  image_tag_mutability = "MUTABLE"
  force_delete         = true # destroy removes the pushed images with it
  image_scanning_configuration {
    scan_on_push = true
  }
}

data "aws_ecr_image" "records_to_parquet" {
  count           = var.records_package_type == "Image" ? 1 : 0
  repository_name = aws_ecr_repository.records_to_parquet[0].name
  image_tag       = "latest"
}

module "records_to_parquet" {
  source             = "./modules/function"
  name               = "records_to_parquet"
  name_prefix        = local.name_prefix
  description        = "Converts CSV under input/ to Parquet."
  package            = "${local.lambda_dir}/records_to_parquet.zip"
  package_type       = var.records_package_type
  image_uri = (var.records_package_type == "Image" ?
  "${aws_ecr_repository.records_to_parquet[0].repository_url}@${data.aws_ecr_image.records_to_parquet[0].image_digest}" : null)
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 120
  memory_size        = 1024
  layers             = [aws_lambda_layer_version.pyarrow.arn]
  environment        = local.records_environment
  policy_name        = "pipeline-access"
  policy_json        = data.aws_iam_policy_document.records_to_parquet.json
  invoked_by         = local.records_s3_invoke
}

data "aws_iam_policy_document" "records_to_parquet" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["records"].arn}/input/*"]
  }
  statement {
    actions = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["records"].arn}/record_folders/*",
    "${aws_s3_bucket.bucket["records"].arn}/quarantine/*"]
  }
}

module "records_catalog" {
  source             = "./modules/function"
  name               = "records_catalog"
  name_prefix        = local.name_prefix
  description        = "Creates and updates Glue tables and partitions."
  package            = "${local.lambda_dir}/records_catalog.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 60
  memory_size        = 512
  layers             = [aws_lambda_layer_version.pyarrow.arn]
  environment        = local.records_environment
  policy_name        = "pipeline-access"
  policy_json        = data.aws_iam_policy_document.records_catalog.json
  invoked_by         = local.records_s3_invoke
}

data "aws_iam_policy_document" "records_catalog" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["records"].arn}/record_folders/*"]
  }
  statement {
    actions = ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition",
    "glue:GetPartition"]
    resources = local.glue_arns
  }
}

module "records_query" {
  source             = "./modules/function"
  name               = "records_query"
  name_prefix        = local.name_prefix
  description        = "Answers GET /query through Athena."
  package            = "${local.lambda_dir}/records_query.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 30
  memory_size        = 256
  environment        = local.records_environment
  policy_name        = "pipeline-access"
  policy_json        = data.aws_iam_policy_document.records_query.json
  invoked_by = {
    AllowApiGatewayInvoke = { principal = "apigateway.amazonaws.com",
    source_arn = "${aws_api_gateway_rest_api.records.execution_arn}/*/GET/query" }
  }
}

data "aws_iam_policy_document" "records_query" {
  statement {
    actions = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
    "athena:StopQueryExecution"]
    resources = [aws_athena_workgroup.records.arn]
  }
  statement {
    actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"]
    resources = local.glue_arns
  }
  statement {
    sid       = "ReadTables"
    actions   = ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"]
    resources = [aws_s3_bucket.bucket["records"].arn, "${aws_s3_bucket.bucket["records"].arn}/record_folders/*"]
  }
  statement {
    sid = "QueryResults"
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [aws_s3_bucket.bucket["query_results"].arn, "${aws_s3_bucket.bucket["query_results"].arn}/athena/*"]
  }
}

resource "aws_s3_bucket_notification" "records" {
  bucket = aws_s3_bucket.bucket["records"].id
  lambda_function {
    id                  = "csv-to-parquet"
    lambda_function_arn = module.records_to_parquet.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "input/"
    filter_suffix       = ".csv"
  }
  lambda_function {
    id                  = "parquet-to-catalog"
    lambda_function_arn = module.records_catalog.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "record_folders/"
    filter_suffix       = ".parquet"
  }
  depends_on = [module.records_to_parquet, module.records_catalog] # their AllowS3Invoke permissions
}

# -- GET /query ----------------------------------------------------------------------------------------

resource "aws_api_gateway_rest_api" "records" {
  name        = "${local.name_prefix}-records-query"
  description = "Read-only SQL over the records tables: GET /query?sql=SELECT ..."
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "query" {
  rest_api_id = aws_api_gateway_rest_api.records.id
  parent_id   = aws_api_gateway_rest_api.records.root_resource_id
  path_part   = "query"
}

resource "aws_api_gateway_method" "query" {
  rest_api_id   = aws_api_gateway_rest_api.records.id
  resource_id   = aws_api_gateway_resource.query.id
  http_method   = "GET"
  authorization = "NONE"
  request_parameters = {
    "method.request.querystring.sql" = true
  }
}

resource "aws_api_gateway_integration" "query" {
  rest_api_id             = aws_api_gateway_rest_api.records.id
  resource_id             = aws_api_gateway_resource.query.id
  http_method             = aws_api_gateway_method.query.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = module.records_query.invoke_arn
}

resource "aws_api_gateway_deployment" "records" {
  rest_api_id = aws_api_gateway_rest_api.records.id
  triggers = {
    shape = sha1(jsonencode([aws_api_gateway_resource.query.id, aws_api_gateway_method.query.id,
    aws_api_gateway_integration.query.id]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "records" {
  rest_api_id   = aws_api_gateway_rest_api.records.id
  deployment_id = aws_api_gateway_deployment.records.id
  stage_name    = "v1"
}
