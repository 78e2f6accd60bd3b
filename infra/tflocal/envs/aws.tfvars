# Real AWS (`make deploy-aws`). Copy and adjust per account; the backend settings live in envs/aws.s3.tfbackend.
environment = "dev"
region      = "us-east-1"
