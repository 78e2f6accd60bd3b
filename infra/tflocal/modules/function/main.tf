# One pipeline function: its role (assumable by Lambda only), an inline least-privilege policy, its log group
# and the function itself, plus the permissions that let S3 or API Gateway invoke it. Permissions are inline
# rather than the AWS-managed AWSLambdaBasicExecutionRole / AWSLambdaVPCAccessExecutionRole, so logging is
# allowed on the function's own log group only.

locals {
  function_name = "${var.name_prefix}-${replace(var.name, "_", "-")}"
  # What Lambda needs to attach a function to a VPC (the content of AWSLambdaVPCAccessExecutionRole).
  vpc_describe_actions = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]
  vpc_eni_actions = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses"]
  ec2_arn_prefix = join(":", ["arn", data.aws_partition.current.partition, "ec2", data.aws_region.current.name,
  data.aws_caller_identity.current.account_id])
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name               = local.function_name
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

# What every function may do: write its own logs and, in a VPC, manage its network interfaces.
data "aws_iam_policy_document" "baseline" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  # Describe* take no resource ARN (service authorization reference: no resource types; Lambda's guide,
  # configuration-vpc.html: "only works if it's allowed on all resources"); the others are scoped to the
  # account's network interfaces and the function's own subnets and security groups.
  dynamic "statement" {
    for_each = var.vpc == null ? [] : [1]
    content {
      sid       = "VpcDescribe"
      actions   = local.vpc_describe_actions
      resources = ["*"]
    }
  }
  dynamic "statement" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      sid     = "VpcNetworkInterfaces"
      actions = local.vpc_eni_actions
      resources = concat(["${local.ec2_arn_prefix}:network-interface/*"],
        [for subnet in statement.value.subnet_ids : "${local.ec2_arn_prefix}:subnet/${subnet}"],
      [for group in statement.value.security_group_ids : "${local.ec2_arn_prefix}:security-group/${group}"])
    }
  }
}

data "aws_region" "current" {}
data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_iam_policy_document" "this" {
  source_policy_documents = [data.aws_iam_policy_document.baseline.json, var.policy_json]
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy_name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
}

# The code goes through the artifacts bucket, not `filename`: the AWS provider creates every function whose
# code is a local file behind one provider-wide lock, held through its 5 s create wait, so twelve functions
# took 60 s one after another (terraform-provider-aws internal/service/lambda/function.go, awsMutexLambdaKey).
# From S3 they are created in parallel; it is also the path AWS requires for code over 50 MB. The key carries
# the zip's hash, so a rebuilt zip is a new object and an in-place code update.
resource "aws_s3_object" "package" {
  count       = var.package_type == "Zip" ? 1 : 0
  bucket      = var.artifacts_bucket
  key         = "functions/${var.name}-${filesha256(var.package)}.zip"
  source      = var.package
  source_hash = filemd5(var.package)
}

resource "aws_lambda_function" "this" {
  function_name    = local.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  package_type     = var.package_type
  # An image carries its runtime and handler (FROM public.ecr.aws/lambda/python:3.x, CMD), and no layers.
  runtime          = var.package_type == "Zip" ? var.runtime : null
  handler          = var.package_type == "Zip" ? "handler.handler" : null
  s3_bucket        = one(aws_s3_object.package[*].bucket)
  s3_key           = one(aws_s3_object.package[*].key)
  source_code_hash = var.package_type == "Zip" ? filebase64sha256(var.package) : null
  image_uri        = var.package_type == "Image" ? var.image_uri : null
  timeout          = var.timeout
  memory_size      = var.memory_size
  layers           = var.package_type == "Zip" ? var.layers : []
  environment {
    variables = var.environment
  }
  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }
  # The log group first: a function invoked before it exists has Lambda create the group itself (kept
  # forever), and creating it here then fails because it exists.
  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

resource "aws_lambda_permission" "invoke" {
  for_each       = var.invoked_by
  statement_id   = each.key
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.this.function_name
  principal      = each.value.principal
  source_arn     = each.value.source_arn
  source_account = each.value.source_account
}

# aws_s3_object.package gained a count (none for an image function); the zip of a stack applied before keeps
# its object instead of Terraform deleting and uploading it again.
moved {
  from = aws_s3_object.package
  to   = aws_s3_object.package[0]
}
