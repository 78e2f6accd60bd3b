# API Gateway wiring as teams write it around queues, streams and state machines, with no function code:
# HTTP API service integrations (SQS, Step Functions), CORS, a JWT authorizer, stage logging and throttling;
# a REST API with a TOKEN authorizer, AWS integrations to Kinesis and SQS, method settings with caching.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

data "aws_caller_identity" "me" {}

resource "aws_sqs_queue" "orders" { name = "wiring-orders" }

resource "aws_kinesis_stream" "clicks" {
  name        = "wiring-clicks"
  shard_count = 1
}

resource "aws_iam_role" "gateway" {
  name = "wiring-gateway"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "apigateway.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy" "gateway" {
  role = aws_iam_role.gateway.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["sqs:SendMessage"], Resource = aws_sqs_queue.orders.arn },
      { Effect = "Allow", Action = ["kinesis:PutRecord"], Resource = aws_kinesis_stream.clicks.arn },
      { Effect = "Allow", Action = ["states:StartExecution"], Resource = aws_sfn_state_machine.flow.arn },
    ]
  })
}

resource "aws_iam_role" "states" {
  name = "wiring-states"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "states.amazonaws.com" } }]
  })
}

resource "aws_sfn_state_machine" "flow" {
  name     = "wiring-flow"
  role_arn = aws_iam_role.states.arn
  definition = jsonencode({
    StartAt = "Done"
    States  = { Done = { Type = "Pass", End = true } }
  })
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/wiring/access"
  retention_in_days = 7
}

# -- HTTP API ---------------------------------------------------------------------------------------------
resource "aws_apigatewayv2_api" "http" {
  name          = "wiring-http"
  protocol_type = "HTTP"
  description   = "queues and flows"
  cors_configuration {
    allow_origins = ["https://shop.example"]
    allow_methods = ["GET", "POST"]
    allow_headers = ["content-type", "authorization"]
    max_age       = 300
  }
  tags = { team = "orders" }
}

resource "aws_apigatewayv2_integration" "sqs" {
  api_id              = aws_apigatewayv2_api.http.id
  integration_type    = "AWS_PROXY"
  integration_subtype = "SQS-SendMessage"
  credentials_arn     = aws_iam_role.gateway.arn
  request_parameters = {
    QueueUrl    = aws_sqs_queue.orders.id
    MessageBody = "$request.body"
  }
}

resource "aws_apigatewayv2_integration" "flow" {
  api_id              = aws_apigatewayv2_api.http.id
  integration_type    = "AWS_PROXY"
  integration_subtype = "StepFunctions-StartExecution"
  credentials_arn     = aws_iam_role.gateway.arn
  request_parameters = {
    StateMachineArn = aws_sfn_state_machine.flow.arn
    Input           = "$request.body"
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]
  jwt_configuration {
    issuer   = "https://issuer.example"
    audience = ["shop"]
  }
}

resource "aws_apigatewayv2_route" "orders" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "POST /orders"
  target    = "integrations/${aws_apigatewayv2_integration.sqs.id}"
}

resource "aws_apigatewayv2_route" "flows" {
  api_id               = aws_apigatewayv2_api.http.id
  route_key            = "POST /flows"
  target               = "integrations/${aws_apigatewayv2_integration.flow.id}"
  authorization_type   = "JWT"
  authorizer_id        = aws_apigatewayv2_authorizer.jwt.id
  authorization_scopes = ["flows/start"]
}

resource "aws_apigatewayv2_stage" "prod" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "prod"
  auto_deploy = true
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format          = jsonencode({ requestId = "$context.requestId", status = "$context.status" })
  }
  default_route_settings {
    throttling_burst_limit = 50
    throttling_rate_limit  = 100
  }
  stage_variables = { tier = "prod" }
}

# -- REST API ---------------------------------------------------------------------------------------------
resource "aws_api_gateway_rest_api" "rest" {
  name = "wiring-rest"
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "clicks" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  parent_id   = aws_api_gateway_rest_api.rest.root_resource_id
  path_part   = "clicks"
}

resource "aws_api_gateway_method" "clicks" {
  rest_api_id   = aws_api_gateway_rest_api.rest.id
  resource_id   = aws_api_gateway_resource.clicks.id
  http_method   = "POST"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "clicks" {
  rest_api_id             = aws_api_gateway_rest_api.rest.id
  resource_id             = aws_api_gateway_resource.clicks.id
  http_method             = aws_api_gateway_method.clicks.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:kinesis:action/PutRecord"
  credentials             = aws_iam_role.gateway.arn
  request_templates = {
    "application/json" = <<-VTL
      {"StreamName": "${aws_kinesis_stream.clicks.name}", "Data": "$util.base64Encode($input.body)", "PartitionKey": "$context.requestId"}
    VTL
  }
}

resource "aws_api_gateway_method_response" "clicks" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  resource_id = aws_api_gateway_resource.clicks.id
  http_method = aws_api_gateway_method.clicks.http_method
  status_code = "200"
}

resource "aws_api_gateway_integration_response" "clicks" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  resource_id = aws_api_gateway_resource.clicks.id
  http_method = aws_api_gateway_method.clicks.http_method
  status_code = aws_api_gateway_method_response.clicks.status_code
  depends_on  = [aws_api_gateway_integration.clicks]
}

resource "aws_api_gateway_resource" "queue" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  parent_id   = aws_api_gateway_rest_api.rest.root_resource_id
  path_part   = "queue"
}

resource "aws_api_gateway_method" "queue" {
  rest_api_id      = aws_api_gateway_rest_api.rest.id
  resource_id      = aws_api_gateway_resource.queue.id
  http_method      = "POST"
  authorization    = "NONE"
  api_key_required = false
  request_parameters = {
    "method.request.header.X-Shop" = true
  }
}

resource "aws_api_gateway_integration" "queue" {
  rest_api_id             = aws_api_gateway_rest_api.rest.id
  resource_id             = aws_api_gateway_resource.queue.id
  http_method             = aws_api_gateway_method.queue.http_method
  type                    = "AWS"
  integration_http_method = "POST"
  uri                     = "arn:aws:apigateway:us-east-1:sqs:path/${data.aws_caller_identity.me.account_id}/${aws_sqs_queue.orders.name}"
  credentials             = aws_iam_role.gateway.arn
  passthrough_behavior    = "NEVER"
  request_parameters = {
    "integration.request.header.Content-Type" = "'application/x-www-form-urlencoded'"
  }
  request_templates = {
    "application/json" = "Action=SendMessage&MessageBody=$input.body"
  }
}

resource "aws_api_gateway_deployment" "rest" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  triggers = {
    redeployment = sha1(jsonencode([aws_api_gateway_integration.clicks.id, aws_api_gateway_integration.queue.id,
    aws_api_gateway_integration.queue.request_templates, aws_api_gateway_method.queue.request_parameters]))
  }
  depends_on = [aws_api_gateway_integration.clicks, aws_api_gateway_integration.queue]
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "rest" {
  rest_api_id   = aws_api_gateway_rest_api.rest.id
  deployment_id = aws_api_gateway_deployment.rest.id
  stage_name    = "live"
  variables     = { tier = "live" }
}

resource "aws_api_gateway_method_settings" "all" {
  rest_api_id = aws_api_gateway_rest_api.rest.id
  stage_name  = aws_api_gateway_stage.rest.stage_name
  method_path = "*/*"
  settings {
    metrics_enabled        = true
    logging_level          = "INFO"
    throttling_burst_limit = 20
    throttling_rate_limit  = 10
  }
}

output "http_url" { value = aws_apigatewayv2_stage.prod.invoke_url }
output "rest_url" { value = aws_api_gateway_stage.rest.invoke_url }
output "queue_url" { value = aws_sqs_queue.orders.id }
