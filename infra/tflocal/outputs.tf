# The stack's contract, read with `terraform output -json` (`make outputs`) by the seeders, the tests and
# `make deploy-aws`'s smoke check (which invokes every *_function output).

output "region" {
  value = var.region
}

output "artifacts_bucket" {
  description = "Bucket for Lambda artifacts and layers uploaded through S3."
  value       = aws_s3_bucket.bucket["artifacts"].bucket
}

output "function_names" {
  description = "Every pipeline function's name by its folder under lambdas/, to invoke it directly (re-delivery, tests)."
  value       = { for name, function in local.functions : name => function.function_name }
}

output "alerts_topic_arn" {
  value = aws_sns_topic.alerts.arn
}

# -- CMS ingestion --------------------------------------------------------------------------------------------

output "cms_raw_bucket" {
  description = "Raw CMS pages land here under cms/year=YYYY/ingest_date=YYYY-MM-DD/."
  value       = aws_s3_bucket.bucket["cms_raw"].bucket
}

output "cms_fetch_function" {
  description = "Invoke to fetch the CMS data year into the raw bucket (which loads MySQL)."
  value       = module.cms_fetch.function_name
}

output "mysql_secret_arn" {
  description = "Secret {engine, host, port, username, password, dbname} of the CMS MySQL database."
  value       = aws_secretsmanager_secret.connection["cms"].arn
}

# -- CSV upserts ----------------------------------------------------------------------------------------------

output "uploads_bucket" {
  description = "Drop CSVs under data/ here; rejected rows appear under quarantine/."
  value       = aws_s3_bucket.bucket["uploads"].bucket
}

output "postgres_secret_arn" {
  description = "Secret {engine, host, port, username, password, dbname} of the uploads PostgreSQL database."
  value       = aws_secretsmanager_secret.connection["uploads"].arn
}

# -- records to Parquet ---------------------------------------------------------------------------------------

output "records_bucket" {
  description = "Drop CSVs under input/ here; Parquet appears under record_folders/."
  value       = aws_s3_bucket.bucket["records"].bucket
}

output "glue_database" {
  description = "Glue database of the records tables."
  value       = aws_glue_catalog_database.records.name
}

output "query_api_url" {
  description = "Base URL of the query API; GET {query_api_url}/query?sql=SELECT ..."
  value       = aws_api_gateway_stage.records.invoke_url
}

# -- orders stream --------------------------------------------------------------------------------------------

output "orders_api_url" {
  description = "Base URL of the orders API (POST /orders, GET /customers/{id}, GET /invoices/{invoice_no})."
  value       = aws_api_gateway_stage.orders.invoke_url
}

output "orders_stream" {
  value = aws_kinesis_stream.orders.name
}

output "stream_archive_bucket" {
  value = aws_s3_bucket.bucket["stream_archive"].bucket
}

output "customers_table" {
  value = aws_dynamodb_table.customers.name
}

output "invoices_table" {
  value = aws_dynamodb_table.invoices.name
}

output "orders_failure_queue_url" {
  description = "Where orders_upsert's on-failure destination puts pointers to records it gave up on."
  value       = aws_sqs_queue.orders_upsert_failures.url
}

# -- warehouse ETL --------------------------------------------------------------------------------------------

output "ingest_bucket" {
  value = aws_s3_bucket.bucket["ingest"].bucket
}

output "processed_bucket" {
  value = aws_s3_bucket.bucket["processed"].bucket
}

output "etl_state_machine_arn" {
  value = aws_sfn_state_machine.etl.arn
}

output "etl_schedule_rule" {
  value = aws_cloudwatch_event_rule.etl_schedule.name
}

output "oltp_secret_arn" {
  description = "Secret with the totesys connection (engine, host, port, username, password, dbname)."
  value       = aws_secretsmanager_secret.connection["totesys"].arn
}

output "warehouse_secret_arn" {
  description = "Secret with the warehouse connection (engine, host, port, username, password, dbname)."
  value       = aws_secretsmanager_secret.connection["warehouse"].arn
}
