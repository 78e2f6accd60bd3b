# REST API (orders_api) -> Kinesis -> two consumers: orders_archive (S3, JSON lines keyed by time) and
# orders_upsert (DynamoDB Customers/Invoices, partial batch responses, failures to SQS).

resource "aws_kinesis_stream" "orders" {
  name             = "${local.name_prefix}-orders"
  shard_count      = var.orders_stream_shards
  retention_period = 24
}

resource "aws_dynamodb_table" "customers" {
  name         = "${local.name_prefix}-Customers"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "CustomerID"
  attribute {
    name = "CustomerID"
    type = "S"
  }
}

resource "aws_dynamodb_table" "invoices" {
  name         = "${local.name_prefix}-Invoices"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "InvoiceNo"
  range_key    = "StockCode"
  attribute {
    name = "InvoiceNo"
    type = "S"
  }
  attribute {
    name = "StockCode"
    type = "S"
  }
}

# Where a record pointer goes when orders_upsert has given up on a record (after its retries).
resource "aws_sqs_queue" "orders_upsert_failures" {
  name                      = "${local.name_prefix}-orders-upsert-failures"
  message_retention_seconds = 1209600
}

# -- functions: one role each, allowed only what the function does -------------------------------------------

locals {
  orders_environment = {
    ORDERS_STREAM   = aws_kinesis_stream.orders.name
    ARCHIVE_BUCKET  = aws_s3_bucket.bucket["stream_archive"].bucket
    CUSTOMERS_TABLE = aws_dynamodb_table.customers.name
    INVOICES_TABLE  = aws_dynamodb_table.invoices.name
  }
}

module "orders_api" {
  source             = "./modules/function"
  name               = "orders_api"
  name_prefix        = local.name_prefix
  description        = "Validates orders onto the stream; serves customers and invoices."
  package            = "${local.lambda_dir}/orders_api.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 10
  memory_size        = 256
  environment        = local.orders_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.orders_api.json
  invoked_by = {
    AllowApiGatewayInvoke = { principal = "apigateway.amazonaws.com",
    source_arn = "${aws_api_gateway_rest_api.orders.execution_arn}/*/*" }
  }
}

data "aws_iam_policy_document" "orders_api" {
  statement {
    actions   = ["kinesis:PutRecord", "kinesis:PutRecords"]
    resources = [aws_kinesis_stream.orders.arn]
  }
  statement {
    actions   = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [aws_dynamodb_table.customers.arn, aws_dynamodb_table.invoices.arn]
  }
}

data "aws_iam_policy_document" "orders_stream_read" {
  statement {
    actions = ["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"]
    resources = [aws_kinesis_stream.orders.arn]
  }
}

module "orders_archive" {
  source             = "./modules/function"
  name               = "orders_archive"
  name_prefix        = local.name_prefix
  description        = "Archives order stream batches to S3 as JSON lines."
  package            = "${local.lambda_dir}/orders_archive.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 60
  memory_size        = 256
  environment        = local.orders_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.orders_archive.json
}

data "aws_iam_policy_document" "orders_archive" {
  source_policy_documents = [data.aws_iam_policy_document.orders_stream_read.json]
  statement {
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["stream_archive"].arn}/*"]
  }
}

module "orders_upsert" {
  source             = "./modules/function"
  name               = "orders_upsert"
  name_prefix        = local.name_prefix
  description        = "Upserts order stream records into Customers and Invoices."
  package            = "${local.lambda_dir}/orders_upsert.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 60
  memory_size        = 256
  environment        = local.orders_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.orders_upsert.json
}

data "aws_iam_policy_document" "orders_upsert" {
  source_policy_documents = [data.aws_iam_policy_document.orders_stream_read.json]
  statement {
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [aws_dynamodb_table.customers.arn, aws_dynamodb_table.invoices.arn]
  }
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.orders_upsert_failures.arn]
  }
}

# -- the stream's consumers ------------------------------------------------------------------------------------

resource "aws_lambda_event_source_mapping" "orders_archive" {
  function_name                      = module.orders_archive.arn
  event_source_arn                   = aws_kinesis_stream.orders.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 500
  maximum_batching_window_in_seconds = 1
}

resource "aws_lambda_event_source_mapping" "orders_upsert" {
  function_name                      = module.orders_upsert.arn
  event_source_arn                   = aws_kinesis_stream.orders.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  # The handler reports bad records by sequence number; the rest of the batch is not retried past them.
  function_response_types        = ["ReportBatchItemFailures"]
  bisect_batch_on_function_error = true
  maximum_retry_attempts         = 2
  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.orders_upsert_failures.arn
    }
  }
}

# -- REST API: POST /orders, GET /customers/{id}, GET /invoices/{invoice_no}, all proxied to orders_api ------

resource "aws_api_gateway_rest_api" "orders" {
  name        = "${local.name_prefix}-orders"
  description = "Orders intake and lookups"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "orders" {
  for_each    = { orders = "orders", customers = "customers", invoices = "invoices" }
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_rest_api.orders.root_resource_id
  path_part   = each.value
}

resource "aws_api_gateway_resource" "customer" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_resource.orders["customers"].id
  path_part   = "{id}"
}

resource "aws_api_gateway_resource" "invoice" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  parent_id   = aws_api_gateway_resource.orders["invoices"].id
  path_part   = "{invoice_no}"
}

locals {
  orders_routes = {
    post_order   = { resource_id = aws_api_gateway_resource.orders["orders"].id, method = "POST" }
    get_customer = { resource_id = aws_api_gateway_resource.customer.id, method = "GET" }
    get_invoice  = { resource_id = aws_api_gateway_resource.invoice.id, method = "GET" }
  }
}

resource "aws_api_gateway_method" "orders" {
  for_each      = local.orders_routes
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  resource_id   = each.value.resource_id
  http_method   = each.value.method
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "orders" {
  for_each                = local.orders_routes
  rest_api_id             = aws_api_gateway_rest_api.orders.id
  resource_id             = each.value.resource_id
  http_method             = aws_api_gateway_method.orders[each.key].http_method
  integration_http_method = "POST"
  type                    = "AWS_PROXY"
  uri                     = module.orders_api.invoke_arn
}

resource "aws_api_gateway_deployment" "orders" {
  rest_api_id = aws_api_gateway_rest_api.orders.id
  triggers = {
    # Ids (and where each integration points), as the provider documents: hashing whole objects also
    # hashes attributes the first refresh fills in, which redeployed once on the second apply.
    redeploy = sha1(jsonencode([
      [for method in aws_api_gateway_method.orders : method.id],
      [for integration in aws_api_gateway_integration.orders : [integration.id, integration.uri]],
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
  depends_on = [aws_api_gateway_integration.orders]
}

resource "aws_api_gateway_stage" "orders" {
  rest_api_id   = aws_api_gateway_rest_api.orders.id
  deployment_id = aws_api_gateway_deployment.orders.id
  stage_name    = var.orders_api_stage
}
