# Every bucket of the stack, named <project>-<environment>-<purpose>-<account> (bucket names are global), none
# of them public. force_destroy lets `terraform destroy` remove a stack whose buckets still hold data.

locals {
  buckets = {
    artifacts      = "artifacts"      # Lambda code and layers too large for a direct upload, as AWS requires
    cms_raw        = "cms-raw"        # CMS API pages, cms/year=YYYY/ingest_date=.../page-N.json
    uploads        = "uploads"        # CSVs to upsert into Postgres under data/, rejected rows in quarantine/
    records        = "records"        # CSVs under input/, their Parquet under record_folders/
    query_results  = "query-results"  # Athena results of the query API
    stream_archive = "orders-archive" # the orders stream as JSON lines
    ingest         = "etl-ingest"     # totesys deltas as Parquet, and the ETL watermarks under _state/
    processed      = "etl-processed"  # the star schema as Parquet, before the warehouse load
  }
}

resource "aws_s3_bucket" "bucket" {
  for_each      = local.buckets
  bucket        = "${local.name_prefix}-${each.value}-${data.aws_caller_identity.current.account_id}"
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "bucket" {
  for_each                = aws_s3_bucket.bucket
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# Artifacts are kept by version, so a rollback can point a function at the previous object.
resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.bucket["artifacts"].id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.bucket["artifacts"].id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}
