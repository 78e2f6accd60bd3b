resource "aws_kinesis_stream" "events" {
  name             = "${var.name}-events"
  shard_count      = 1
  retention_period = 24
  encryption_type  = "KMS"
  kms_key_id       = aws_kms_alias.data.name

  stream_mode_details {
    stream_mode = "PROVISIONED"
  }
}

resource "aws_dynamodb_table" "readings" {
  name         = "${var.name}-readings"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "station_id"
  range_key    = "observed_at"

  attribute {
    name = "station_id"
    type = "S"
  }
  attribute {
    name = "observed_at"
    type = "S"
  }
  attribute {
    name = "day"
    type = "S"
  }

  global_secondary_index {
    name            = "by-day"
    hash_key        = "day"
    range_key       = "observed_at"
    projection_type = "ALL"
  }

  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  stream_enabled   = true
  stream_view_type = "NEW_AND_OLD_IMAGES"
}
