resource "aws_secretsmanager_secret" "api_token" {
  name                    = "${var.name}/api-token"
  description             = "Token the worker presents to the partner API."
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 0 # delete at once on destroy, so the name can be reused by the next run
}

resource "aws_secretsmanager_secret_version" "api_token" {
  secret_id = aws_secretsmanager_secret.api_token.id
  secret_string = jsonencode({
    token = "conformance-token"
  })
}

resource "aws_ssm_parameter" "batch_size" {
  name        = "/${var.name}/ingest/batch-size"
  type        = "String"
  value       = "500"
  description = "Records per PutRecords call."
}

resource "aws_ssm_parameter" "partner_url" {
  name   = "/${var.name}/worker/partner-url"
  type   = "SecureString"
  value  = "https://partner.example.com/v1"
  key_id = aws_kms_key.data.key_id
}
