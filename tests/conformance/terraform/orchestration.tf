resource "aws_sfn_state_machine" "compaction" {
  name     = "${var.name}-compaction"
  role_arn = aws_iam_role.orchestration.arn
  definition = jsonencode({
    Comment = "Compact yesterday's readings, retrying transient Lambda errors."
    StartAt = "Compact"
    States = {
      Compact = {
        Type     = "Task"
        Resource = "arn:aws:states:::lambda:invoke"
        Parameters = {
          FunctionName = aws_lambda_function.compact.arn
          "Payload.$"  = "$"
        }
        Retry = [{
          ErrorEquals     = ["Lambda.ServiceException", "Lambda.TooManyRequestsException"]
          IntervalSeconds = 2
          MaxAttempts     = 3
          BackoffRate     = 2
        }]
        Next = "Done"
      }
      Done = { Type = "Succeed" }
    }
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }
}

resource "aws_cloudwatch_log_group" "state_machine" {
  name              = "/aws/vendedlogs/states/${var.name}-compaction"
  retention_in_days = 7
}

resource "aws_cloudwatch_event_rule" "nightly" {
  name                = "${var.name}-nightly"
  description         = "Start the compaction every night at 02:00 UTC."
  schedule_expression = "cron(0 2 * * ? *)"
}

resource "aws_cloudwatch_event_target" "nightly_compaction" {
  rule     = aws_cloudwatch_event_rule.nightly.name
  arn      = aws_sfn_state_machine.compaction.arn
  role_arn = aws_iam_role.orchestration.arn
  input    = jsonencode({ trigger = "nightly" })
}

resource "aws_cloudwatch_event_rule" "object_created" {
  name        = "${var.name}-object-created"
  description = "Curated objects created (EventBridge notifications)."
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail        = { bucket = { name = [aws_s3_bucket.curated.id] } }
  })
}

resource "aws_cloudwatch_event_target" "object_created_worker" {
  rule = aws_cloudwatch_event_rule.object_created.name
  arn  = aws_lambda_function.worker.arn
}

resource "aws_scheduler_schedule" "hourly_work" {
  name       = "${var.name}-hourly-work"
  group_name = "default"

  flexible_time_window {
    mode = "OFF"
  }

  schedule_expression          = "rate(1 hour)"
  schedule_expression_timezone = "Europe/Berlin"

  target {
    arn      = aws_lambda_function.compact.arn
    role_arn = aws_iam_role.orchestration.arn
    input    = jsonencode({ trigger = "hourly" })

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }
  }
}
