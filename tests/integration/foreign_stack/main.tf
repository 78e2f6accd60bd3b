# A stack written the way a team that never saw this kit writes one: Node.js and custom-runtime functions,
# a runtime the machine cannot run, an HTTP API with a Lambda proxy (payload 2.0) behind a Lambda request
# authorizer, and a REST API imported from a Swagger 2.0 body, redeployed by triggers, cached.
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

variable "node_esm_zip" { type = string }
variable "node_cjs_zip" { type = string }
variable "node_error_zip" { type = string }
variable "bootstrap_zip" { type = string }
variable "java_zip" { type = string }

data "aws_caller_identity" "me" {}
data "aws_region" "here" {}

resource "aws_iam_role" "fn" {
  name = "foreign-fn"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.fn.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

locals {
  functions = {
    "foreign-esm"       = { zip = var.node_esm_zip, runtime = "nodejs20.x", handler = "index.handler" }
    "foreign-cjs"       = { zip = var.node_cjs_zip, runtime = "nodejs20.x", handler = "app.handler" }
    "foreign-error"     = { zip = var.node_error_zip, runtime = "nodejs22.x", handler = "index.handler" }
    "foreign-bootstrap" = { zip = var.bootstrap_zip, runtime = "provided.al2023", handler = "echo.handler" }
    "foreign-java"      = { zip = var.java_zip, runtime = "java21", handler = "example.Handler::handleRequest" }
  }
}

resource "aws_lambda_function" "fn" {
  for_each         = local.functions
  function_name    = each.key
  role             = aws_iam_role.fn.arn
  runtime          = each.value.runtime
  handler          = each.value.handler
  filename         = each.value.zip
  source_code_hash = filebase64sha256(each.value.zip)
  timeout          = 10
  environment {
    variables = { GREETING = "hello from ${each.key}" }
  }
}

# -- HTTP API: Lambda proxy 2.0 behind a Lambda REQUEST authorizer ----------------------------------------
resource "aws_apigatewayv2_api" "http" {
  name          = "foreign-http"
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "esm" {
  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.fn["foreign-esm"].invoke_arn
  integration_method     = "POST"
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_authorizer" "token" {
  api_id                            = aws_apigatewayv2_api.http.id
  name                              = "token"
  authorizer_type                   = "REQUEST"
  authorizer_uri                    = aws_lambda_function.fn["foreign-cjs"].invoke_arn
  authorizer_payload_format_version = "2.0"
  enable_simple_responses           = true
  identity_sources                  = ["$request.header.Authorization"]
}

resource "aws_apigatewayv2_route" "public" {
  api_id    = aws_apigatewayv2_api.http.id
  route_key = "GET /items/{id}"
  target    = "integrations/${aws_apigatewayv2_integration.esm.id}"
}

resource "aws_apigatewayv2_route" "private" {
  api_id             = aws_apigatewayv2_api.http.id
  route_key          = "POST /orders"
  target             = "integrations/${aws_apigatewayv2_integration.esm.id}"
  authorization_type = "CUSTOM"
  authorizer_id      = aws_apigatewayv2_authorizer.token.id
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true
}

resource "aws_apigatewayv2_stage" "live" {
  api_id        = aws_apigatewayv2_api.http.id
  name          = "live"
  deployment_id = aws_apigatewayv2_deployment.http.id
}

resource "aws_apigatewayv2_deployment" "http" {
  api_id      = aws_apigatewayv2_api.http.id
  description = "routes as of this plan"
  # Every scalar the provider reads back: a value that reads back other than it was created replaces the
  # deployment on each plan. (Whole resources are not hashed: the provider itself stores an unset map as
  # null at create and as {} after a refresh, whatever the API answers.)
  triggers = {
    redeployment = sha1(jsonencode([
      [for r in [aws_apigatewayv2_route.public, aws_apigatewayv2_route.private] :
      [r.id, r.route_key, r.target, r.authorization_type, r.authorizer_id, r.api_key_required]],
      [for i in [aws_apigatewayv2_integration.esm] :
      [i.id, i.integration_uri, i.integration_type, i.integration_method, i.payload_format_version,
      i.timeout_milliseconds, i.connection_type, i.passthrough_behavior]],
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lambda_permission" "http" {
  for_each      = toset(["foreign-esm", "foreign-cjs"])
  statement_id  = "http-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*"
}

# -- REST API from a Swagger 2.0 body ---------------------------------------------------------------------
resource "aws_api_gateway_rest_api" "imported" {
  name = "foreign-rest"
  body = jsonencode({
    swagger = "2.0"
    info    = { title = "foreign-rest", version = "1" }
    paths = {
      "/hello" = {
        get = {
          responses = { "200" = { description = "ok" } }
          "x-amazon-apigateway-integration" = {
            type       = "aws_proxy"
            httpMethod = "POST"
            uri        = aws_lambda_function.fn["foreign-esm"].invoke_arn
          }
        }
      }
      "/ping" = {
        get = {
          responses = { "200" = { description = "ok" } }
          "x-amazon-apigateway-integration" = {
            type              = "mock"
            requestTemplates  = { "application/json" = "{\"statusCode\": 200}" }
            responses         = { default = { statusCode = "200", responseTemplates = { "application/json" = "{\"pong\": true}" } } }
          }
        }
      }
    }
  })
}

resource "aws_api_gateway_resource" "extra" {
  rest_api_id = aws_api_gateway_rest_api.imported.id
  parent_id   = aws_api_gateway_rest_api.imported.root_resource_id
  path_part   = "extra"
}

resource "aws_api_gateway_method" "extra" {
  rest_api_id   = aws_api_gateway_rest_api.imported.id
  resource_id   = aws_api_gateway_resource.extra.id
  http_method   = "GET"
  authorization = "NONE"
}

resource "aws_api_gateway_integration" "extra" {
  rest_api_id             = aws_api_gateway_rest_api.imported.id
  resource_id             = aws_api_gateway_resource.extra.id
  http_method             = aws_api_gateway_method.extra.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.fn["foreign-cjs"].invoke_arn
}

resource "aws_api_gateway_deployment" "imported" {
  rest_api_id = aws_api_gateway_rest_api.imported.id
  triggers = {
    redeployment = sha1(jsonencode([
      aws_api_gateway_rest_api.imported.body, aws_api_gateway_resource.extra.id,
      [for m in [aws_api_gateway_method.extra] : [m.id, m.authorization, m.api_key_required, m.http_method]],
      [for i in [aws_api_gateway_integration.extra] :
        [i.id, i.type, i.uri, i.integration_http_method, i.timeout_milliseconds, i.passthrough_behavior,
      i.connection_type, i.cache_namespace, i.content_handling, i.credentials]],
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "imported" {
  rest_api_id           = aws_api_gateway_rest_api.imported.id
  deployment_id         = aws_api_gateway_deployment.imported.id
  stage_name            = "v1"
  cache_cluster_enabled = true
  cache_cluster_size    = "0.5"
}

resource "aws_lambda_permission" "rest" {
  statement_id  = "rest-api"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn["foreign-esm"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.imported.execution_arn}/*"
}

# The resource added beside the import invokes another function: it needs its own permission (on AWS the
# method answers 500, "Invalid permissions on Lambda function", without it).
resource "aws_lambda_permission" "rest_extra" {
  statement_id  = "rest-api-extra"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn["foreign-cjs"].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.imported.execution_arn}/*/GET/extra"
}

output "http_url" { value = aws_apigatewayv2_stage.default.invoke_url }
output "http_live_url" { value = aws_apigatewayv2_stage.live.invoke_url }
output "rest_url" { value = aws_api_gateway_stage.imported.invoke_url }
output "account" { value = data.aws_caller_identity.me.account_id }
output "region" { value = data.aws_region.here.name }
