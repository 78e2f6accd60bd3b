# Remote state for real environments: settings come from `-backend-config` (envs/aws.s3.tfbackend),
# so this block is the same everywhere. Local runs replace it with a local backend under the state dir.
terraform {
  backend "s3" {}
}
