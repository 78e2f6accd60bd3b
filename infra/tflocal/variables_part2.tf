# Variables of the part-2 pipelines (orders API -> Kinesis -> S3/DynamoDB; totesys -> star schema warehouse).
# Everything that differs between environments is here and set in envs/*.tfvars.

variable "alerts_email" {
  description = "Who receives pipeline alerts (failed ETL runs, ERROR log lines). AWS sends a confirmation mail first."
  type        = string
  default     = "data-alerts@example.com"
}

variable "orders_stream_shards" {
  description = "Shards of the orders stream (1 MB/s or 1000 records/s of writes each)."
  type        = number
  default     = 1
}

variable "orders_api_stage" {
  description = "Stage name of the orders REST API (part of its URL)."
  type        = string
  default     = "v1"
}

variable "etl_schedule_expression" {
  description = "When EventBridge starts the totesys ETL run."
  type        = string
  default     = "rate(15 minutes)"
}

variable "etl_retry_interval_seconds" {
  description = "First wait before a failed ETL task is retried (doubles per attempt)."
  type        = number
  default     = 2
}
