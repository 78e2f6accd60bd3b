"""Promote the same Terraform and build artifacts to real AWS: preflight, S3 backend, plan, confirm, apply, smoke."""
