data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "functions" {
  name               = "${var.name}-functions"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

# What every function needs: logs and the VPC network interfaces.
resource "aws_iam_policy" "function_basics" {
  name = "${var.name}-function-basics"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "*"
      },
      {
        Effect   = "Allow"
        Action   = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_iam_role_policy_attachment" "function_basics" {
  role       = aws_iam_role.functions.name
  policy_arn = aws_iam_policy.function_basics.arn
}

# What the pipeline's functions touch, scoped to this stack's resources.
resource "aws_iam_role_policy" "pipeline_access" {
  name = "pipeline-access"
  role = aws_iam_role.functions.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["${aws_s3_bucket.raw.arn}/*", "${aws_s3_bucket.curated.arn}/*"]
      },
      {
        Effect = "Allow"
        Action = ["kinesis:PutRecords", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"]
        Resource = aws_kinesis_stream.events.arn
      },
      {
        Effect   = "Allow"
        Action   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:Query"]
        Resource = [aws_dynamodb_table.readings.arn, "${aws_dynamodb_table.readings.arn}/index/*"]
      },
      {
        Effect = "Allow"
        Action = ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = [aws_sqs_queue.work.arn, aws_sqs_queue.work_dlq.arn, aws_sqs_queue.function_dlq.arn,
        aws_sqs_queue.stream_failures.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = aws_sns_topic.alerts.arn
      },
      {
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue", "ssm:GetParameter"]
        Resource = [aws_secretsmanager_secret.api_token.arn, aws_ssm_parameter.batch_size.arn]
      },
      {
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.data.arn
      },
    ]
  })
}

# Step Functions runs the nightly compaction; EventBridge and Scheduler start things on a timetable.
resource "aws_iam_role" "orchestration" {
  name = "${var.name}-orchestration"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = ["states.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com"] }
    }]
  })
}

resource "aws_iam_role_policy" "orchestration" {
  name = "start-and-invoke"
  role = aws_iam_role.orchestration.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [aws_lambda_function.compact.arn, "${aws_lambda_function.compact.arn}:*"]
      },
      {
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = aws_sfn_state_machine.compaction.arn
      },
    ]
  })
}
