# The local cloud (`make up`). Endpoints come from the runner's provider override, never from .tf files.
environment = "local"

# CMS ingestion: the CMS data API is the fixture server fixtures/cms_api/serve.py (started by `make up`).
cms_api_url = "http://127.0.0.1:8901"

# Alerts land in the local mailbox (`localcloud mailbox`); ETL retries wait 1 s, not 2.
alerts_email               = "data-alerts@example.com"
etl_retry_interval_seconds = 1
