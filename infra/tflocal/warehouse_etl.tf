# ETL pipeline: EventBridge schedule -> Step Functions: Ingest (totesys deltas -> Parquet) -> Choice (anything
# pending?) -> Transform (star schema Parquet) -> Load (warehouse). A failed task is retried, then the run
# publishes to the alerts topic and fails.

locals {
  etl_functions = {
    etl_ingest    = { description = "Fetches totesys rows changed since the watermark into Parquet.", timeout = 300, memory = 1024, in_vpc = true }
    etl_transform = { description = "Builds the star schema from pending ingest Parquet.", timeout = 300, memory = 1024, in_vpc = false }
    etl_load      = { description = "Loads the star schema into the warehouse, idempotently.", timeout = 300, memory = 1024, in_vpc = true }
  }
}

resource "aws_s3_bucket" "ingest" {
  bucket        = "${local.name_prefix}-etl-ingest-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket" "processed" {
  bucket        = "${local.name_prefix}-etl-processed-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "etl" {
  for_each                = { ingest = aws_s3_bucket.ingest.id, processed = aws_s3_bucket.processed.id }
  bucket                  = each.value
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# -- IAM ---------------------------------------------------------------------------------------------------

resource "aws_iam_role" "etl" {
  for_each           = local.etl_functions
  name               = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  assume_role_policy = data.aws_iam_policy_document.part2_lambda_assume.json
}

# Logging on the function's own log group, and for functions in the VPC the network-interface actions
# (what AWSLambdaBasicExecutionRole / AWSLambdaVPCAccessExecutionRole grant), inline.
data "aws_iam_policy_document" "etl_common" {
  for_each = local.etl_functions
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.etl[each.key].arn}:*"]
  }
  dynamic "statement" {
    for_each = each.value.in_vpc ? [1] : []
    content {
      sid = "VpcNetworkInterfaces"
      actions = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
      "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"]
      resources = ["*"]
    }
  }
}

data "aws_iam_policy_document" "etl_ingest" {
  source_policy_documents = [data.aws_iam_policy_document.etl_common["etl_ingest"].json]
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.ingest.arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.ingest.arn]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.totesys.arn]
  }
}

data "aws_iam_policy_document" "etl_transform" {
  source_policy_documents = [data.aws_iam_policy_document.etl_common["etl_transform"].json]
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.ingest.arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.ingest.arn, aws_s3_bucket.processed.arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.processed.arn}/*"]
  }
}

data "aws_iam_policy_document" "etl_load" {
  source_policy_documents = [data.aws_iam_policy_document.etl_common["etl_load"].json]
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.processed.arn}/*"]
  }
  statement {
    sid       = "MarkBatchLoaded"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.ingest.arn}/_state/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.warehouse.arn]
  }
}

resource "aws_iam_role_policy" "etl" {
  for_each = {
    etl_ingest    = data.aws_iam_policy_document.etl_ingest.json
    etl_transform = data.aws_iam_policy_document.etl_transform.json
    etl_load      = data.aws_iam_policy_document.etl_load.json
  }
  name   = "least-privilege"
  role   = aws_iam_role.etl[each.key].id
  policy = each.value
}

# -- functions (the pyarrow layer is shared with part 1: records_catalog.tf) --------------------------------

resource "aws_cloudwatch_log_group" "etl" {
  for_each          = local.etl_functions
  name              = "/aws/lambda/${local.name_prefix}-${replace(each.key, "_", "-")}"
  retention_in_days = var.log_retention_days
}

resource "aws_lambda_function" "etl" {
  for_each         = local.etl_functions
  function_name    = "${local.name_prefix}-${replace(each.key, "_", "-")}"
  description      = each.value.description
  role             = aws_iam_role.etl[each.key].arn
  runtime          = var.lambda_python_runtime
  handler          = "handler.handler"
  filename         = "${local.part2_lambda_dir}/${each.key}.zip"
  source_code_hash = filebase64sha256("${local.part2_lambda_dir}/${each.key}.zip")
  timeout          = each.value.timeout
  memory_size      = each.value.memory
  layers           = [aws_lambda_layer_version.pyarrow.arn]
  environment {
    variables = {
      INGEST_BUCKET        = aws_s3_bucket.ingest.bucket
      PROCESSED_BUCKET     = aws_s3_bucket.processed.bucket
      OLTP_SECRET_ARN      = aws_secretsmanager_secret.totesys.arn
      WAREHOUSE_SECRET_ARN = aws_secretsmanager_secret.warehouse.arn
    }
  }
  dynamic "vpc_config" {
    for_each = each.value.in_vpc ? [1] : []
    content {
      subnet_ids         = aws_subnet.pipelines_private[*].id
      security_group_ids = [aws_security_group.loaders.id]
    }
  }
  depends_on = [aws_cloudwatch_log_group.etl, aws_iam_role_policy.etl,
  aws_secretsmanager_secret_version.totesys, aws_secretsmanager_secret_version.warehouse]
}

# -- the state machine -------------------------------------------------------------------------------------

locals {
  # Errors a retry can fix: the Lambda service's own, throttling, timeouts. Anything else gets one more
  # try (a database restart surfaces as the function's own error type).
  etl_retry = [
    { ErrorEquals = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
      "Lambda.TooManyRequestsException", "States.Timeout"],
    IntervalSeconds = var.etl_retry_interval_seconds, MaxAttempts = 3, BackoffRate = 2 },
    { ErrorEquals = ["States.ALL"], IntervalSeconds = var.etl_retry_interval_seconds, MaxAttempts = 1, BackoffRate = 2 },
  ]
  etl_task = {
    for stage, function in { Ingest = "etl_ingest", Transform = "etl_transform", Load = "etl_load" } : stage => {
      Type                          = "Task"
      Resource                      = aws_lambda_function.etl[function].arn
      Retry                         = local.etl_retry
      Catch                         = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "${stage}Failed" }]
    }
  }
  etl_failed = {
    for stage in ["Ingest", "Transform", "Load"] : "${stage}Failed" => {
      Type       = "Pass"
      Parameters = { "stage" = stage, "error.$" = "$.error", "execution.$" = "$$.Execution.Id" }
      ResultPath = "$.failure"
      Next       = "NotifyFailure"
    }
  }
  etl_definition = {
    Comment = "totesys -> Parquet -> star schema -> warehouse"
    StartAt = "Ingest"
    States = merge(local.etl_failed, {
      Ingest = merge(local.etl_task["Ingest"], { ResultPath = "$.ingest", Next = "AnythingPending" })
      AnythingPending = {
        Type    = "Choice"
        Choices = [{ Variable = "$.ingest.pending_objects", NumericGreaterThan = 0, Next = "Transform" }]
        Default = "NothingChanged"
      }
      NothingChanged = { Type = "Succeed" }
      Transform      = merge(local.etl_task["Transform"], { InputPath = "$.ingest", ResultPath = "$.transform", Next = "Load" })
      Load           = merge(local.etl_task["Load"], { InputPath = "$.transform", ResultPath = "$.load", End = true })
      NotifyFailure = {
        Type     = "Task"
        Resource = "arn:aws:states:::sns:publish"
        Parameters = {
          TopicArn    = aws_sns_topic.alerts.arn
          Subject     = "totesys ETL run failed"
          "Message.$" = "States.JsonToString($.failure)"
        }
        ResultPath = null
        Next       = "RunFailed"
      }
      RunFailed = { Type = "Fail", Error = "ETL.RunFailed", Cause = "A stage failed after its retries; see the alert." }
    })
  }
}

data "aws_iam_policy_document" "etl_states_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "etl_states" {
  name               = "${local.name_prefix}-etl-states"
  assume_role_policy = data.aws_iam_policy_document.etl_states_assume.json
}

data "aws_iam_policy_document" "etl_states" {
  statement {
    actions   = ["lambda:InvokeFunction"]
    resources = [for f in aws_lambda_function.etl : f.arn]
  }
  statement {
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }
}

resource "aws_iam_role_policy" "etl_states" {
  name   = "invoke-etl-and-alert"
  role   = aws_iam_role.etl_states.id
  policy = data.aws_iam_policy_document.etl_states.json
}

resource "aws_sfn_state_machine" "etl" {
  name       = "${local.name_prefix}-totesys-etl"
  role_arn   = aws_iam_role.etl_states.arn
  definition = jsonencode(local.etl_definition)
  depends_on = [aws_iam_role_policy.etl_states]
}

# -- the schedule ------------------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "etl_schedule" {
  name                = "${local.name_prefix}-totesys-etl"
  description         = "Starts the totesys ETL run"
  schedule_expression = var.etl_schedule_expression
}

data "aws_iam_policy_document" "etl_events_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "etl_events" {
  name               = "${local.name_prefix}-etl-events"
  assume_role_policy = data.aws_iam_policy_document.etl_events_assume.json
}

resource "aws_iam_role_policy" "etl_events" {
  name = "start-etl"
  role = aws_iam_role.etl_events.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "states:StartExecution", Resource = aws_sfn_state_machine.etl.arn }]
  })
}

resource "aws_cloudwatch_event_target" "etl_schedule" {
  rule     = aws_cloudwatch_event_rule.etl_schedule.name
  arn      = aws_sfn_state_machine.etl.arn
  role_arn = aws_iam_role.etl_events.arn
}

output "ingest_bucket" {
  value = aws_s3_bucket.ingest.bucket
}

output "processed_bucket" {
  value = aws_s3_bucket.processed.bucket
}

output "etl_state_machine_arn" {
  value = aws_sfn_state_machine.etl.arn
}

output "etl_schedule_rule" {
  value = aws_cloudwatch_event_rule.etl_schedule.name
}
