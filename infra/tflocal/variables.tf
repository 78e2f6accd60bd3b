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
