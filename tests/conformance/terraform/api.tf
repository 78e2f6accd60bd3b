resource "aws_api_gateway_rest_api" "readings" {
  name        = "${var.name}-readings"
  description = "Read access to the pipeline's readings."
  endpoint_configuration {
    types = ["REGIONAL"]
  }
}

resource "aws_api_gateway_resource" "readings" {
  rest_api_id = aws_api_gateway_rest_api.readings.id
  parent_id   = aws_api_gateway_rest_api.readings.root_resource_id
  path_part   = "readings"
}

resource "aws_api_gateway_resource" "station" {
  rest_api_id = aws_api_gateway_rest_api.readings.id
  parent_id   = aws_api_gateway_resource.readings.id
  path_part   = "{station_id}"
}

resource "aws_api_gateway_method" "get_station" {
  rest_api_id   = aws_api_gateway_rest_api.readings.id
  resource_id   = aws_api_gateway_resource.station.id
  http_method   = "GET"
  authorization = "NONE"
  request_parameters = {
    "method.request.path.station_id" = true
  }
}

resource "aws_api_gateway_integration" "get_station" {
  rest_api_id             = aws_api_gateway_rest_api.readings.id
  resource_id             = aws_api_gateway_resource.station.id
  http_method             = aws_api_gateway_method.get_station.http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = aws_lambda_function.api.invoke_arn
}

resource "aws_api_gateway_deployment" "readings" {
  rest_api_id = aws_api_gateway_rest_api.readings.id
  # Redeploy when the API's shape changes.
  triggers = {
    shape = sha1(jsonencode([
      aws_api_gateway_resource.station.id,
      aws_api_gateway_method.get_station.id,
      aws_api_gateway_integration.get_station.id,
    ]))
  }
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "v1" {
  rest_api_id   = aws_api_gateway_rest_api.readings.id
  deployment_id = aws_api_gateway_deployment.readings.id
  stage_name    = "v1"
  variables = {
    table = aws_dynamodb_table.readings.name
  }
}
