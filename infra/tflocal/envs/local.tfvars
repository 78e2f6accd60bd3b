# The local cloud (`make up`). Endpoints come from the runner's provider override, never from .tf files.
environment = "local"

# Part-2 pipelines: alerts land in the local mailbox (`localcloud mailbox`); retries wait 1 s, not 2.
alerts_email               = "data-alerts@example.com"
etl_retry_interval_seconds = 1
