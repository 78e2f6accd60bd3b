output "raw_bucket" {
  value = aws_s3_bucket.raw.id
}

output "stream_name" {
  value = aws_kinesis_stream.events.name
}

output "table_name" {
  value = aws_dynamodb_table.readings.name
}

output "work_queue_url" {
  value = aws_sqs_queue.work.url
}

output "state_machine_arn" {
  value = aws_sfn_state_machine.compaction.arn
}

output "api_url" {
  value = aws_api_gateway_stage.v1.invoke_url
}

output "reporting_db_endpoint" {
  value = aws_db_instance.reporting.endpoint
}

output "function_names" {
  value = [for f in [aws_lambda_function.ingest, aws_lambda_function.processor, aws_lambda_function.worker,
  aws_lambda_function.compact, aws_lambda_function.api] : f.function_name]
}

output "image_repository_url" {
  value = aws_ecr_repository.functions.repository_url
}
