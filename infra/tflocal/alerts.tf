# Alerts of the part-2 pipelines: failed ETL runs publish here directly; any ERROR log line of their functions
# becomes a metric, and its alarm publishes here too. The topic mails var.alerts_email.

resource "aws_sns_topic" "alerts" {
  name = "${local.name_prefix}-pipeline-alerts"
}

resource "aws_sns_topic_subscription" "alerts_email" {
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = var.alerts_email
}

locals {
  part2_log_groups = merge(
    { for name, group in aws_cloudwatch_log_group.orders : name => group.name },
    { for name, group in aws_cloudwatch_log_group.etl : name => group.name },
  )
  error_metric_namespace = "${var.project}/${var.environment}/pipelines"
}

resource "aws_cloudwatch_log_metric_filter" "part2_errors" {
  for_each       = local.part2_log_groups
  name           = "${each.key}-error-lines"
  log_group_name = each.value
  pattern        = "{ $.level = \"ERROR\" }"
  metric_transformation {
    name          = "ErrorLogLines"
    namespace     = local.error_metric_namespace
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "part2_errors" {
  alarm_name          = "${local.name_prefix}-pipeline-error-logs"
  alarm_description   = "A part-2 pipeline function logged an ERROR line; see its CloudWatch logs."
  namespace           = local.error_metric_namespace
  metric_name         = "ErrorLogLines"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  depends_on          = [aws_cloudwatch_log_metric_filter.part2_errors]
}

output "alerts_topic_arn" {
  value = aws_sns_topic.alerts.arn
}
