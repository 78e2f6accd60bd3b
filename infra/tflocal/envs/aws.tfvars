# Real AWS (`make deploy-aws`). Copy and adjust per account; the backend settings live in envs/aws.s3.tfbackend.
# Every variable is declared, with its default, in variables.tf.
environment = "dev"
region      = "us-east-1"

# CMS ingestion: the real CMS data API.
cms_api_url   = "https://data.cms.gov"
cms_data_year = "2023"

# Alerts of the orders and ETL pipelines: who gets ETL failure and ERROR-log mails (confirm the subscription
# mail AWS sends).
alerts_email = "data-alerts@example.com"
