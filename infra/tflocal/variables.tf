# Everything that differs between environments is a variable here, set in envs/*.tfvars.

# -- the stack ------------------------------------------------------------------------------------------------

variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-east-1"
}

variable "project" {
  description = "Prefix of every resource name, so two stacks can share an account."
  type        = string
  default     = "datapipes"
}

variable "environment" {
  description = "Environment name (dev, staging, prod, ...), part of resource names and tags."
  type        = string
}

variable "build_dir" {
  description = "Where `make build` puts the Lambda zips and layers, relative to this directory."
  type        = string
  default     = "../../build"
}

# -- functions, databases, network ----------------------------------------------------------------------------

variable "lambda_python_runtime" {
  description = "Runtime of the pipeline functions; the pyarrow layer is built for the same Python version."
  type        = string
  default     = "python3.11"
}

variable "records_package_type" {
  description = <<-EOT
    How records_to_parquet is deployed: Zip (the zip and the pyarrow layer) or Image (the container image built
    from lambdas/records_to_parquet/Dockerfile and pushed to its ECR repository; the kit's runner builds and pushes
    it between creating the repository and the function, see images.json).
  EOT
  type        = string
  default     = "Zip"
  validation {
    condition     = contains(["Zip", "Image"], var.records_package_type)
    error_message = "records_package_type is Zip or Image."
  }
}

variable "db_instance_class" {
  description = "Instance class of the pipeline databases."
  type        = string
  default     = "db.t4g.micro"
}

variable "mysql_engine_version" {
  description = "RDS MySQL engine version for the CMS data."
  type        = string
  default     = "8.0"
}

variable "postgres_engine_version" {
  description = "RDS PostgreSQL engine version of the uploads, totesys and warehouse databases."
  type        = string
  default     = "16"
}

variable "log_retention_days" {
  description = "How long the pipeline functions' CloudWatch logs are kept."
  type        = number
  default     = 14
}

variable "vpc_cidr" {
  description = "Address range of the pipeline VPC (private subnets only; S3 and Secrets Manager via endpoints)."
  type        = string
  default     = "10.60.0.0/16"
}

# -- CMS ingestion --------------------------------------------------------------------------------------------

variable "cms_api_url" {
  description = "Base URL of the CMS data API (https://data.cms.gov on AWS)."
  type        = string
  default     = "https://data.cms.gov"
}

variable "cms_dataset_id" {
  description = <<-EOT
    Dataset id of "Medicare Part D Prescribers - by Provider and Drug" in the CMS data API. This id serves
    the newest data year CMS has published; set the year's own distribution id to pin an older year.
  EOT
  type        = string
  default     = "9552739e-3d05-4c1b-8eff-ecabf391e2e5"
}

variable "cms_data_year" {
  description = "Data year of the CMS release being fetched; becomes the year=YYYY partition of the raw keys."
  type        = string
  default     = "2023"
}

variable "cms_page_size" {
  description = "Records per CMS API request (the API allows at most 5000)."
  type        = number
  default     = 5000
}

# -- orders stream, warehouse ETL, alerts ---------------------------------------------------------------------

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
