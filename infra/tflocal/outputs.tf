output "artifacts_bucket" {
  description = "Bucket for Lambda artifacts and layers uploaded through S3."
  value       = aws_s3_bucket.artifacts.bucket
}

output "region" {
  value = var.region
}
