# Real AWS (`make deploy-aws`). Copy and adjust per account; the backend settings live in envs/aws.s3.tfbackend.
environment = "dev"
region      = "us-east-1"

# Part-1 pipelines: the real CMS data API.
cms_api_url   = "https://data.cms.gov"
cms_data_year = "2023"

# Part-2 pipelines: who gets ETL failure and ERROR-log alerts (confirm the subscription mail AWS sends).
alerts_email = "data-alerts@example.com"
