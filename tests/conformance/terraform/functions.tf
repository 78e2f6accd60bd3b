locals {
  function_hash = filebase64sha256(var.function_zip)
  functions = {
    ingest    = "Reads new raw objects and puts their records on the stream."
    processor = "Turns stream batches into readings in DynamoDB."
    worker    = "Handles work items from the queue."
    compact   = "Nightly compaction, run by Step Functions."
    api       = "Serves readings over the REST API."
  }
}

resource "aws_lambda_layer_version" "shared" {
  layer_name          = "${var.name}-shared"
  filename            = var.layer_zip
  source_code_hash    = filebase64sha256(var.layer_zip)
  compatible_runtimes = ["python3.12"]
  description         = "Helpers shared by the pipeline's functions."
}

resource "aws_cloudwatch_log_group" "functions" {
  for_each          = local.functions
  name              = "/aws/lambda/${var.name}-${each.key}"
  retention_in_days = 14
}

resource "aws_lambda_function" "ingest" {
  function_name    = "${var.name}-ingest"
  description      = local.functions.ingest
  role             = aws_iam_role.functions.arn
  runtime          = "python3.12"
  handler          = "handler.ingest"
  filename         = var.function_zip
  source_code_hash = local.function_hash
  timeout          = 30
  memory_size      = 256
  layers           = [aws_lambda_layer_version.shared.arn]

  environment {
    variables = {
      STREAM_NAME      = aws_kinesis_stream.events.name
      BATCH_SIZE_PARAM = aws_ssm_parameter.batch_size.name
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.function_dlq.arn
  }

  vpc_config {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.functions.id]
  }

  depends_on = [aws_cloudwatch_log_group.functions, aws_iam_role_policy_attachment.function_basics]
}

resource "aws_lambda_function" "processor" {
  function_name    = "${var.name}-processor"
  description      = local.functions.processor
  role             = aws_iam_role.functions.arn
  runtime          = "python3.12"
  handler          = "handler.process"
  filename         = var.function_zip
  source_code_hash = local.function_hash
  timeout          = 60
  layers           = [aws_lambda_layer_version.shared.arn]

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.readings.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.functions, aws_iam_role_policy.pipeline_access]
}

resource "aws_lambda_function" "worker" {
  function_name    = "${var.name}-worker"
  description      = local.functions.worker
  role             = aws_iam_role.functions.arn
  runtime          = "python3.12"
  handler          = "handler.work"
  filename         = var.function_zip
  source_code_hash = local.function_hash
  timeout          = 20

  environment {
    variables = {
      SECRET_ARN = aws_secretsmanager_secret.api_token.arn
      TOPIC_ARN  = aws_sns_topic.alerts.arn
    }
  }

  depends_on = [aws_cloudwatch_log_group.functions, aws_iam_role_policy.pipeline_access]
}

resource "aws_lambda_function" "compact" {
  function_name    = "${var.name}-compact"
  description      = local.functions.compact
  role             = aws_iam_role.functions.arn
  runtime          = "python3.12"
  handler          = "handler.compact"
  filename         = var.function_zip
  source_code_hash = local.function_hash
  timeout          = 120

  depends_on = [aws_cloudwatch_log_group.functions]
}

resource "aws_lambda_function" "api" {
  function_name    = "${var.name}-api"
  description      = local.functions.api
  role             = aws_iam_role.functions.arn
  runtime          = "python3.12"
  handler          = "handler.api"
  filename         = var.function_zip
  source_code_hash = local.function_hash

  environment {
    variables = {
      TABLE_NAME = aws_dynamodb_table.readings.name
    }
  }

  depends_on = [aws_cloudwatch_log_group.functions]
}

resource "aws_lambda_permission" "s3_invoke_ingest" {
  statement_id   = "AllowS3Invoke"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.ingest.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.raw.arn
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_lambda_permission" "sns_invoke_worker" {
  statement_id  = "AllowSnsInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.worker.function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.alerts.arn
}

resource "aws_lambda_permission" "events_invoke_worker" {
  statement_id  = "AllowEventBridgeInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.worker.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.object_created.arn
}

resource "aws_lambda_permission" "api_invoke" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_api_gateway_rest_api.readings.execution_arn}/*/*"
}

# Kinesis -> processor. Stream sources support an on-failure destination (a record pointer to SQS).
resource "aws_lambda_event_source_mapping" "stream" {
  event_source_arn                   = aws_kinesis_stream.events.arn
  function_name                      = aws_lambda_function.processor.arn
  starting_position                  = "TRIM_HORIZON"
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  maximum_retry_attempts             = 3
  bisect_batch_on_function_error     = true
  function_response_types            = ["ReportBatchItemFailures"]

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.stream_failures.arn
    }
  }
}

# SQS -> worker. SQS sources take no destination_config (Lambda rejects it; the queue's redrive policy
# is the dead-letter path, see aws_sqs_queue.work).
resource "aws_lambda_event_source_mapping" "work" {
  event_source_arn        = aws_sqs_queue.work.arn
  function_name           = aws_lambda_function.worker.arn
  batch_size              = 10
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 5
  }
}

# Async invokes of ingest (from S3): bounded retries, then failures to SQS and successes to SNS.
resource "aws_lambda_function_event_invoke_config" "ingest" {
  function_name                = aws_lambda_function.ingest.function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 3600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.function_dlq.arn
    }
    on_success {
      destination = aws_sns_topic.alerts.arn
    }
  }
}
