terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = "us-east-1"
}

resource "aws_s3_bucket" "landing" {
  bucket        = "sample-landing-zone"
  force_destroy = true
}

resource "aws_sqs_queue" "jobs" {
  name = "sample-jobs"
}

output "landing_bucket" {
  value = aws_s3_bucket.landing.bucket
}

output "jobs_queue_url" {
  value = aws_sqs_queue.jobs.url
}
