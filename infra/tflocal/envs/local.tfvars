# The local cloud (`make up`). Endpoints come from the runner's provider override, never from .tf files.
environment = "local"
