"""The Terraform runner: apply a directory against the local cloud (or AWS) with state under the state dir."""
