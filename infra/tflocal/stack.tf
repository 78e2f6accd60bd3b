# What every file uses: the prefix of every name, and the account (bucket names are global, so they carry it).

locals {
  name_prefix = "${var.project}-${var.environment}"
}

data "aws_caller_identity" "current" {}
