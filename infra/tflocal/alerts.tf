# Alerts of the orders and ETL pipelines: failed ETL runs publish here directly; any ERROR log line of their
# functions becomes a metric, and its alarm publishes here too. The topic mails var.alerts_email.

resource "aws_sns_topic" "alerts" {
  name = "${local.name_prefix}-pipeline-alerts"
}

resource "aws_sns_topic_subscription" "alerts_email" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alerts_email
}

locals {
  alerting_functions = { for name in ["orders_api", "orders_archive", "orders_upsert", "etl_ingest", "etl_transform",
  "etl_load"] : name => local.functions[name] }
  error_metric_namespace = "${var.project}/${var.environment}/pipelines"
}

resource "aws_cloudwatch_log_metric_filter" "error_lines" {
  for_each       = local.alerting_functions
  name           = "${each.key}-error-lines"
  log_group_name = each.value.log_group_name
  pattern        = "{ $.level = \"ERROR\" }"
  metric_transformation {
    name          = "ErrorLogLines"
    namespace     = local.error_metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "error_lines" {
  alarm_name          = "${local.name_prefix}-pipeline-error-logs"
  alarm_description   = "An orders or ETL pipeline function logged an ERROR line; see its CloudWatch logs."
  namespace           = local.error_metric_namespace
  metric_name         = "ErrorLogLines"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  depends_on          = [aws_cloudwatch_log_metric_filter.error_lines]
}
