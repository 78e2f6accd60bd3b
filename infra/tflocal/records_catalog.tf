# Pipeline 3: CSV under input/ -> snappy Parquet under record_folders/<table>/ingest_date=.../ ->
# Glue table and partitions -> GET /query?sql=... (API Gateway -> Lambda -> Athena).

resource "aws_s3_bucket" "records" {
  bucket        = "${local.name_prefix}-records-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket" "query_results" {
  bucket        = "${local.name_prefix}-query-results-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "records" {
  for_each                = { records = aws_s3_bucket.records.id, results = aws_s3_bucket.query_results.id }
  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# -- the pyarrow layer: too large for a direct upload, so it goes through the artifacts bucket ----------

resource "aws_s3_object" "pyarrow_layer" {
  bucket      = aws_s3_bucket.artifacts.id
  key         = "layers/pyarrow-${filesha256("${path.module}/${var.build_dir}/layers/pyarrow.zip")}.zip"
  source      = "${path.module}/${var.build_dir}/layers/pyarrow.zip"
  source_hash = filemd5("${path.module}/${var.build_dir}/layers/pyarrow.zip")
}

resource "aws_lambda_layer_version" "pyarrow" {
  layer_name               = "${local.name_prefix}-pyarrow"
  description              = "pyarrow for the records functions (CSV -> Parquet, Parquet schemas)."
  s3_bucket                = aws_s3_object.pyarrow_layer.bucket
  s3_key                   = aws_s3_object.pyarrow_layer.key
  source_code_hash         = filebase64sha256("${path.module}/${var.build_dir}/layers/pyarrow.zip")
  compatible_runtimes      = [var.lambda_python_runtime]
  compatible_architectures = ["x86_64"]
}

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
      output_location = "s3://${aws_s3_bucket.query_results.id}/athena/"
    }
  }
}

# -- functions -----------------------------------------------------------------------------------------

locals {
  records_functions = {
    records_to_parquet = { description = "Converts CSV under input/ to Parquet.", timeout = 120, memory = 1024 }
    records_catalog    = { description = "Creates and updates Glue tables and partitions.", timeout = 60, memory = 512 }
    records_query      = { description = "Answers GET /query through Athena.", timeout = 30, memory = 256 }
  }
}

resource "aws_iam_role" "records" {
  for_each           = local.records_functions
  name               = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.part1_lambda_assume.json
}

data "aws_iam_policy_document" "records_to_parquet" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.records["records_to_parquet"].arn}:*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.records.arn}/input/*"]
  }
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.records.arn}/record_folders/*", "${aws_s3_bucket.records.arn}/quarantine/*"]
  }
}

locals {
  glue_arns = [
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:catalog",
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:database/${aws_glue_catalog_database.records.name}",
    "arn:aws:glue:${var.region}:${data.aws_caller_identity.current.account_id}:table/${aws_glue_catalog_database.records.name}/*",
  ]
}

data "aws_iam_policy_document" "records_catalog" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.records["records_catalog"].arn}:*"]
  }
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.records.arn}/record_folders/*"]
  }
  statement {
    actions = ["glue:GetTable", "glue:CreateTable", "glue:UpdateTable", "glue:BatchCreatePartition",
    "glue:GetPartition"]
    resources = local.glue_arns
  }
}

data "aws_iam_policy_document" "records_query" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.records["records_query"].arn}:*"]
  }
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
    resources = [aws_s3_bucket.records.arn, "${aws_s3_bucket.records.arn}/record_folders/*"]
  }
  statement {
    sid = "QueryResults"
    actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = [aws_s3_bucket.query_results.arn, "${aws_s3_bucket.query_results.arn}/athena/*"]
  }
}

resource "aws_iam_role_policy" "records" {
  for_each = {
    records_to_parquet = data.aws_iam_policy_document.records_to_parquet.json
    records_catalog    = data.aws_iam_policy_document.records_catalog.json
    records_query      = data.aws_iam_policy_document.records_query.json
  }
  name   = "pipeline-access"
  role   = aws_iam_role.records[each.key].id
  policy = each.value
}

resource "aws_cloudwatch_log_group" "records" {
  for_each          = local.records_functions
  name              = "/aws/lambda/${local.name_prefix}-${replace(each.key, "_", "-")}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "records" {
  for_each         = local.records_functions
  function_name    = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  description      = each.value.description
  role             = aws_iam_role.records[each.key].arn
  runtime          = var.lambda_python_runtime
  handler          = "handler.handler"
  filename         = "${local.part1_lambda_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${local.part1_lambda_dir}/${each.key}.zip")
  timeout          = each.value.timeout
  memory_size      = each.value.memory
  layers           = each.key == "records_query" ? [] : [aws_lambda_layer_version.pyarrow.arn]
  environment {
    variables = {
      GLUE_DATABASE    = aws_glue_catalog_database.records.name
      ATHENA_WORKGROUP = aws_athena_workgroup.records.name
      OUTPUT_PREFIX    = "record_folders"
    }
  }
  depends_on = [aws_cloudwatch_log_group.records, aws_iam_role_policy.records]
}

resource "aws_lambda_permission" "records_bucket_invokes" {
  for_each       = toset(["records_to_parquet", "records_catalog"])
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.records[each.key].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.records.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "records" {
  bucket = aws_s3_bucket.records.id
  lambda_function {
    id                  = "csv-to-parquet"
    lambda_function_arn = aws_lambda_function.records["records_to_parquet"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "input/"
    filter_suffix       = ".csv"
  }
  lambda_function {
    id                  = "parquet-to-catalog"
    lambda_function_arn = aws_lambda_function.records["records_catalog"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "record_folders/"
    filter_suffix       = ".parquet"
  }
  depends_on = [aws_lambda_permission.records_bucket_invokes]
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
  uri                     = aws_lambda_function.records["records_query"].invoke_arn
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

resource "aws_lambda_permission" "api_invokes_query" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.records["records_query"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.records.execution_arn}/*/GET/query"
}
