"""Hot reload of Lambda code (`localcloud dev`, `make dev`): watch, rebuild, update in place, tail logs.

deployed.py   which deployed functions run a zip (Terraform state + CodeSha256)
reloader.py   rebuild a function or layer and update its users (UpdateFunctionCode, PublishLayerVersion)
session.py    the watch loop (watchfiles) and the log follower
"""
