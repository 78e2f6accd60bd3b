# Variables of the part-1 pipelines (CMS -> MySQL, CSV -> Postgres, records -> Glue/Athena).
# Everything that differs between environments is here and set in envs/*.tfvars.

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

variable "lambda_python_runtime" {
  description = "Runtime of the pipeline functions; the pyarrow layer is built for the same Python version."
  type        = string
  default     = "python3.11"
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
  description = "RDS PostgreSQL engine version for the CSV upserts."
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
