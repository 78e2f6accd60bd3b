variable "name" {
  description = "The function's folder under lambdas/ (snake_case); the AWS names use it with dashes."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of the role, function and log group names (project-environment)."
  type        = string
}

variable "description" {
  type = string
}

variable "package" {
  description = "Path of the function's zip, as `make build` writes it (read only when package_type is Zip)."
  type        = string
}

variable "package_type" {
  description = "Zip (the zip in `package`, with `runtime` and `layers`) or Image (the container image `image_uri`)."
  type        = string
  default     = "Zip"
  validation {
    condition     = contains(["Zip", "Image"], var.package_type)
    error_message = "package_type is Zip or Image."
  }
}

variable "image_uri" {
  description = "The function's container image in ECR (<repository_url>@sha256:...) when package_type is Image."
  type        = string
  default     = null
}

variable "artifacts_bucket" {
  description = "Bucket the zip is uploaded to; the function's code is read from there."
  type        = string
}

variable "runtime" {
  type = string
}

variable "timeout" {
  description = "Seconds an invocation may run."
  type        = number
}

variable "memory_size" {
  description = "MB of memory (CPU grows with it)."
  type        = number
}

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "layers" {
  description = "ARNs of layer versions the function loads."
  type        = list(string)
  default     = []
}

variable "vpc" {
  description = "Subnets and security groups to attach the function to; null keeps it outside any VPC."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null
}

variable "log_retention_days" {
  type = number
}

variable "policy_name" {
  description = "Name of the role's inline policy (renaming it replaces the policy)."
  type        = string
}

variable "policy_json" {
  description = "What the function may do beyond logging (and, in a VPC, managing its network interfaces)."
  type        = string
}

variable "invoked_by" {
  description = <<-EOT
    Services allowed to invoke the function, by statement id: { AllowS3Invoke = { principal = "s3.amazonaws.com",
    source_arn = <bucket ARN>, source_account = <account> } }.
  EOT
  type = map(object({
    principal      = string
    source_arn     = string
    source_account = optional(string)
  }))
  default = {}
}
