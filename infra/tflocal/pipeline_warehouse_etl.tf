# EventBridge schedule -> Step Functions: Ingest (totesys deltas -> Parquet) -> Choice (anything pending?) ->
# Transform (star schema Parquet) -> Load (warehouse). A failed task is retried, then the run publishes to the
# alerts topic and fails.

# -- functions (all three load the pyarrow layer) --------------------------------------------------------------

locals {
  etl_environment = {
    INGEST_BUCKET        = aws_s3_bucket.bucket["ingest"].bucket
    PROCESSED_BUCKET     = aws_s3_bucket.bucket["processed"].bucket
    OLTP_SECRET_ARN      = aws_secretsmanager_secret.connection["totesys"].arn
    WAREHOUSE_SECRET_ARN = aws_secretsmanager_secret.connection["warehouse"].arn
  }
  etl_functions = { for name in ["etl_ingest", "etl_transform", "etl_load"] : name => local.functions[name] }
}

module "etl_ingest" {
  source             = "./modules/function"
  name               = "etl_ingest"
  name_prefix        = local.name_prefix
  description        = "Fetches totesys rows changed since the watermark into Parquet."
  package            = "${local.lambda_dir}/etl_ingest.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 300
  memory_size        = 1024
  layers             = [aws_lambda_layer_version.pyarrow.arn]
  vpc                = local.in_private_subnets
  environment        = local.etl_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.etl_ingest.json
}

data "aws_iam_policy_document" "etl_ingest" {
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["ingest"].arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.bucket["ingest"].arn]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.connection["totesys"].arn]
  }
}

module "etl_transform" {
  source             = "./modules/function"
  name               = "etl_transform"
  name_prefix        = local.name_prefix
  description        = "Builds the star schema from pending ingest Parquet."
  package            = "${local.lambda_dir}/etl_transform.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 300
  memory_size        = 1024
  layers             = [aws_lambda_layer_version.pyarrow.arn]
  environment        = local.etl_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.etl_transform.json
}

data "aws_iam_policy_document" "etl_transform" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["ingest"].arn}/*"]
  }
  statement {
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.bucket["ingest"].arn, aws_s3_bucket.bucket["processed"].arn]
  }
  statement {
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["processed"].arn}/*"]
  }
}

module "etl_load" {
  source             = "./modules/function"
  name               = "etl_load"
  name_prefix        = local.name_prefix
  description        = "Loads the star schema into the warehouse, idempotently."
  package            = "${local.lambda_dir}/etl_load.zip"
  artifacts_bucket   = local.artifacts_bucket
  runtime            = var.lambda_python_runtime
  log_retention_days = var.log_retention_days
  timeout            = 300
  memory_size        = 1024
  layers             = [aws_lambda_layer_version.pyarrow.arn]
  vpc                = local.in_private_subnets
  environment        = local.etl_environment
  policy_name        = "least-privilege"
  policy_json        = data.aws_iam_policy_document.etl_load.json
}

data "aws_iam_policy_document" "etl_load" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.bucket["processed"].arn}/*"]
  }
  statement {
    sid       = "MarkBatchLoaded"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.bucket["ingest"].arn}/_state/*"]
  }
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.connection["warehouse"].arn]
  }
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
      Resource                      = local.etl_functions[function].arn
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
    resources = [for function in local.etl_functions : function.arn]
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
