resource "aws_cloudwatch_log_metric_filter" "processor_errors" {
  name           = "${var.name}-processor-errors"
  log_group_name = aws_cloudwatch_log_group.functions["processor"].name
  pattern        = "{ $.level = \"ERROR\" }"

  metric_transformation {
    name          = "ProcessorErrors"
    namespace     = "LocalcloudConformance"
    value         = "1"
    default_value = "0"
  }
}

resource "aws_cloudwatch_metric_alarm" "processor_errors" {
  alarm_name          = "${var.name}-processor-errors"
  alarm_description   = "The processor logged errors in two of the last three minutes."
  namespace           = "LocalcloudConformance"
  metric_name         = "ProcessorErrors"
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 2
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}
