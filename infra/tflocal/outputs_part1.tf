# Outputs of the part-1 pipelines (the contract tests and seeders rely on), read with `terraform output -json`.

output "cms_raw_bucket" {
  description = "Raw CMS pages land here under cms/year=YYYY/ingest_date=YYYY-MM-DD/."
  value       = aws_s3_bucket.cms_raw.bucket
}

output "cms_fetch_function" {
  description = "Invoke to fetch the CMS data year into the raw bucket (which loads MySQL)."
  value       = aws_lambda_function.cms_fetch.function_name
}

output "mysql_secret_arn" {
  description = "Secret {engine, host, port, username, password, dbname} of the CMS MySQL database."
  value       = aws_secretsmanager_secret.mysql.arn
}

output "uploads_bucket" {
  description = "Drop CSVs under data/ here; rejected rows appear under quarantine/."
  value       = aws_s3_bucket.uploads.bucket
}

output "postgres_secret_arn" {
  description = "Secret {engine, host, port, username, password, dbname} of the uploads PostgreSQL database."
  value       = aws_secretsmanager_secret.postgres.arn
}

output "records_bucket" {
  description = "Drop CSVs under input/ here; Parquet appears under record_folders/."
  value       = aws_s3_bucket.records.bucket
}

output "glue_database" {
  description = "Glue database of the records tables."
  value       = aws_glue_catalog_database.records.name
}

output "query_api_url" {
  description = "Base URL of the query API; GET {query_api_url}/query?sql=SELECT ..."
  value       = aws_api_gateway_stage.records.invoke_url
}

output "part1_functions" {
  description = "Function names of the part-1 pipelines, for invoking them directly (re-delivery, tests)."
  value = merge(
    { for name, fn in aws_lambda_function.records : name => fn.function_name },
    { cms_fetch      = aws_lambda_function.cms_fetch.function_name,
      cms_load_mysql = aws_lambda_function.cms_load_mysql.function_name,
    csv_upsert = aws_lambda_function.csv_upsert.function_name },
  )
}
