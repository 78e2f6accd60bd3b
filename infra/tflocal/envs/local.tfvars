# The local cloud (`make up`). Endpoints come from the runner's provider override, never from .tf files.
environment = "local"

# Part-1 pipelines: the CMS data API is the fixture server fixtures/cms_api/serve.py (started by `make up`).
cms_api_url = "http://127.0.0.1:8901"

# Part-2 pipelines: alerts land in the local mailbox (`localcloud mailbox`); retries wait 1 s, not 2.
alerts_email               = "data-alerts@example.com"
etl_retry_interval_seconds = 1
