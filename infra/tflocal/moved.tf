# Where resources of a stack applied before infra/tflocal was arranged by concept now live, so Terraform
# moves them in its state instead of destroying and re-creating them (a database, a bucket with data, a
# stream). Terraform needs each block until every stack of this configuration has been applied with it;
# after that they can go. bench/infra_moves.sh proves that such a stack re-plans without replacements.

# -- functions: into modules/function, one call per function ---------------------------------------------

moved {
  from = aws_iam_role.cms_fetch
  to   = module.cms_fetch.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.cms_fetch
  to   = module.cms_fetch.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.cms_fetch
  to   = module.cms_fetch.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.cms_fetch
  to   = module.cms_fetch.aws_lambda_function.this
}

moved {
  from = aws_iam_role.cms_load_mysql
  to   = module.cms_load_mysql.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.cms_load_mysql
  to   = module.cms_load_mysql.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.cms_load_mysql
  to   = module.cms_load_mysql.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.cms_load_mysql
  to   = module.cms_load_mysql.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.cms_raw_invokes_loader
  to   = module.cms_load_mysql.aws_lambda_permission.invoke["AllowS3Invoke"]
}

moved {
  from = aws_iam_role.csv_upsert
  to   = module.csv_upsert.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.csv_upsert
  to   = module.csv_upsert.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.csv_upsert
  to   = module.csv_upsert.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.csv_upsert
  to   = module.csv_upsert.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.uploads_invoke_csv_upsert
  to   = module.csv_upsert.aws_lambda_permission.invoke["AllowS3Invoke"]
}

moved {
  from = aws_iam_role.records["records_to_parquet"]
  to   = module.records_to_parquet.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.records["records_to_parquet"]
  to   = module.records_to_parquet.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.records["records_to_parquet"]
  to   = module.records_to_parquet.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.records["records_to_parquet"]
  to   = module.records_to_parquet.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.records_bucket_invokes["records_to_parquet"]
  to   = module.records_to_parquet.aws_lambda_permission.invoke["AllowS3Invoke"]
}

moved {
  from = aws_iam_role.records["records_catalog"]
  to   = module.records_catalog.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.records["records_catalog"]
  to   = module.records_catalog.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.records["records_catalog"]
  to   = module.records_catalog.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.records["records_catalog"]
  to   = module.records_catalog.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.records_bucket_invokes["records_catalog"]
  to   = module.records_catalog.aws_lambda_permission.invoke["AllowS3Invoke"]
}

moved {
  from = aws_iam_role.records["records_query"]
  to   = module.records_query.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.records["records_query"]
  to   = module.records_query.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.records["records_query"]
  to   = module.records_query.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.records["records_query"]
  to   = module.records_query.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.api_invokes_query
  to   = module.records_query.aws_lambda_permission.invoke["AllowApiGatewayInvoke"]
}

moved {
  from = aws_iam_role.orders["orders_api"]
  to   = module.orders_api.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.orders["orders_api"]
  to   = module.orders_api.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.orders["orders_api"]
  to   = module.orders_api.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.orders["orders_api"]
  to   = module.orders_api.aws_lambda_function.this
}

moved {
  from = aws_lambda_permission.orders_api_from_apigateway
  to   = module.orders_api.aws_lambda_permission.invoke["AllowApiGatewayInvoke"]
}

moved {
  from = aws_iam_role.orders["orders_archive"]
  to   = module.orders_archive.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.orders["orders_archive"]
  to   = module.orders_archive.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.orders["orders_archive"]
  to   = module.orders_archive.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.orders["orders_archive"]
  to   = module.orders_archive.aws_lambda_function.this
}

moved {
  from = aws_iam_role.orders["orders_upsert"]
  to   = module.orders_upsert.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.orders["orders_upsert"]
  to   = module.orders_upsert.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.orders["orders_upsert"]
  to   = module.orders_upsert.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.orders["orders_upsert"]
  to   = module.orders_upsert.aws_lambda_function.this
}

moved {
  from = aws_iam_role.etl["etl_ingest"]
  to   = module.etl_ingest.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.etl["etl_ingest"]
  to   = module.etl_ingest.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.etl["etl_ingest"]
  to   = module.etl_ingest.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.etl["etl_ingest"]
  to   = module.etl_ingest.aws_lambda_function.this
}

moved {
  from = aws_iam_role.etl["etl_transform"]
  to   = module.etl_transform.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.etl["etl_transform"]
  to   = module.etl_transform.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.etl["etl_transform"]
  to   = module.etl_transform.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.etl["etl_transform"]
  to   = module.etl_transform.aws_lambda_function.this
}

moved {
  from = aws_iam_role.etl["etl_load"]
  to   = module.etl_load.aws_iam_role.this
}

moved {
  from = aws_iam_role_policy.etl["etl_load"]
  to   = module.etl_load.aws_iam_role_policy.this
}

moved {
  from = aws_cloudwatch_log_group.etl["etl_load"]
  to   = module.etl_load.aws_cloudwatch_log_group.this
}

moved {
  from = aws_lambda_function.etl["etl_load"]
  to   = module.etl_load.aws_lambda_function.this
}

# -- buckets: one for_each in storage.tf ----------------------------------------------------------------

moved {
  from = aws_s3_bucket.artifacts
  to   = aws_s3_bucket.bucket["artifacts"]
}

moved {
  from = aws_s3_bucket.cms_raw
  to   = aws_s3_bucket.bucket["cms_raw"]
}

moved {
  from = aws_s3_bucket.uploads
  to   = aws_s3_bucket.bucket["uploads"]
}

moved {
  from = aws_s3_bucket.records
  to   = aws_s3_bucket.bucket["records"]
}

moved {
  from = aws_s3_bucket.query_results
  to   = aws_s3_bucket.bucket["query_results"]
}

moved {
  from = aws_s3_bucket.stream_archive
  to   = aws_s3_bucket.bucket["stream_archive"]
}

moved {
  from = aws_s3_bucket.ingest
  to   = aws_s3_bucket.bucket["ingest"]
}

moved {
  from = aws_s3_bucket.processed
  to   = aws_s3_bucket.bucket["processed"]
}

moved {
  from = aws_s3_bucket_public_access_block.artifacts
  to   = aws_s3_bucket_public_access_block.bucket["artifacts"]
}

moved {
  from = aws_s3_bucket_public_access_block.cms_raw
  to   = aws_s3_bucket_public_access_block.bucket["cms_raw"]
}

moved {
  from = aws_s3_bucket_public_access_block.uploads
  to   = aws_s3_bucket_public_access_block.bucket["uploads"]
}

moved {
  from = aws_s3_bucket_public_access_block.records["records"]
  to   = aws_s3_bucket_public_access_block.bucket["records"]
}

moved {
  from = aws_s3_bucket_public_access_block.records["results"]
  to   = aws_s3_bucket_public_access_block.bucket["query_results"]
}

moved {
  from = aws_s3_bucket_public_access_block.stream_archive
  to   = aws_s3_bucket_public_access_block.bucket["stream_archive"]
}

moved {
  from = aws_s3_bucket_public_access_block.etl["ingest"]
  to   = aws_s3_bucket_public_access_block.bucket["ingest"]
}

moved {
  from = aws_s3_bucket_public_access_block.etl["processed"]
  to   = aws_s3_bucket_public_access_block.bucket["processed"]
}

# -- databases: one for_each in databases.tf ------------------------------------------------------------

moved {
  from = aws_db_instance.cms
  to   = aws_db_instance.database["cms"]
}

moved {
  from = aws_secretsmanager_secret.mysql
  to   = aws_secretsmanager_secret.connection["cms"]
}

moved {
  from = aws_secretsmanager_secret_version.mysql
  to   = aws_secretsmanager_secret_version.connection["cms"]
}

moved {
  from = aws_db_instance.uploads
  to   = aws_db_instance.database["uploads"]
}

moved {
  from = aws_secretsmanager_secret.postgres
  to   = aws_secretsmanager_secret.connection["uploads"]
}

moved {
  from = aws_secretsmanager_secret_version.postgres
  to   = aws_secretsmanager_secret_version.connection["uploads"]
}

moved {
  from = aws_db_instance.totesys
  to   = aws_db_instance.database["totesys"]
}

moved {
  from = aws_secretsmanager_secret.totesys
  to   = aws_secretsmanager_secret.connection["totesys"]
}

moved {
  from = aws_secretsmanager_secret_version.totesys
  to   = aws_secretsmanager_secret_version.connection["totesys"]
}

moved {
  from = aws_db_instance.warehouse
  to   = aws_db_instance.database["warehouse"]
}

moved {
  from = aws_secretsmanager_secret.warehouse
  to   = aws_secretsmanager_secret.connection["warehouse"]
}

moved {
  from = aws_secretsmanager_secret_version.warehouse
  to   = aws_secretsmanager_secret_version.connection["warehouse"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.mysql_from_loaders
  to   = aws_vpc_security_group_ingress_rule.database_from_loaders["mysql"]
}

moved {
  from = aws_vpc_security_group_ingress_rule.postgres_from_loaders
  to   = aws_vpc_security_group_ingress_rule.database_from_loaders["postgres"]
}

# -- alerts ----------------------------------------------------------------------------------------------

moved {
  from = aws_cloudwatch_log_metric_filter.part2_errors
  to   = aws_cloudwatch_log_metric_filter.error_lines
}

moved {
  from = aws_cloudwatch_metric_alarm.part2_errors
  to   = aws_cloudwatch_metric_alarm.error_lines
}
