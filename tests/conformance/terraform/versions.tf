# The conformance stack: one small pipeline that uses every resource type the local cloud promises to
# serve through Terraform. Applied, re-planned (must show no changes) and destroyed by
# tests/conformance/test_terraform_conformance.py.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60, < 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  # Every taggable resource gets these; the re-plan proves the local cloud stores and returns them.
  default_tags {
    tags = {
      project    = "localcloud-conformance"
      managed_by = "terraform"
    }
  }
}
