# What the pipeline functions share. Each function is one call of modules/function (role, inline policy,
# log group, function, invoke permissions), made in the file of the pipeline it belongs to.

locals {
  lambda_dir       = "${path.module}/${var.build_dir}/lambdas"
  artifacts_bucket = aws_s3_bucket.bucket["artifacts"].id
  # Functions that reach a database run in the private subnets; S3 and Secrets Manager through endpoints.
  in_private_subnets = {
    subnet_ids         = aws_subnet.pipelines_private[*].id
    security_group_ids = [aws_security_group.loaders.id]
  }
  # Every function by its folder under lambdas/, for what spans the pipelines (outputs, alerts).
  functions = {
    cms_fetch          = module.cms_fetch
    cms_load_mysql     = module.cms_load_mysql
    csv_upsert         = module.csv_upsert
    records_to_parquet = module.records_to_parquet
    records_catalog    = module.records_catalog
    records_query      = module.records_query
    orders_api         = module.orders_api
    orders_archive     = module.orders_archive
    orders_upsert      = module.orders_upsert
    etl_ingest         = module.etl_ingest
    etl_transform      = module.etl_transform
    etl_load           = module.etl_load
  }
}

# -- the pyarrow layer: too large for a direct upload, so it goes through the artifacts bucket --------------

resource "aws_s3_object" "pyarrow_layer" {
  bucket      = aws_s3_bucket.bucket["artifacts"].id
  key         = "layers/pyarrow-${filesha256("${path.module}/${var.build_dir}/layers/pyarrow.zip")}.zip"
  source      = "${path.module}/${var.build_dir}/layers/pyarrow.zip"
  source_hash = filemd5("${path.module}/${var.build_dir}/layers/pyarrow.zip")
}

# Used by the records and ETL functions. The description is part of a published version: changing it
# publishes a new version (and replaces this resource).
resource "aws_lambda_layer_version" "pyarrow" {
  layer_name               = "${local.name_prefix}-pyarrow"
  description              = "pyarrow for the records functions (CSV -> Parquet, Parquet schemas)."
  s3_bucket                = aws_s3_object.pyarrow_layer.bucket
  s3_key                   = aws_s3_object.pyarrow_layer.key
  source_code_hash         = filebase64sha256("${path.module}/${var.build_dir}/layers/pyarrow.zip")
  compatible_runtimes      = [var.lambda_python_runtime]
  compatible_architectures = ["x86_64"]
}
