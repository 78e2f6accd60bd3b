variable "region" {
  type    = string
  default = "us-east-1"
}

variable "name" {
  description = "Prefix of every resource name, so parallel stacks do not collide."
  type        = string
  default     = "lcconf"
}

variable "function_zip" {
  description = "Path of the functions' deployment package, built by the test (no archive provider offline)."
  type        = string
}

variable "layer_zip" {
  description = "Path of the shared layer's package (python/ inside), built by the test."
  type        = string
}

variable "alert_email" {
  type    = string
  default = "data-team@example.com"
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = "conformance-Passw0rd"
}
