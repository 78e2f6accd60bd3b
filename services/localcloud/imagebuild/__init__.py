"""`localcloud build --image DIR`: a Lambda container image from DIR/Dockerfile, pushed to the local ECR.

builder.py evaluates the Lambda subset of Dockerfiles without a Docker engine (base.py synthesises the AWS
base image, layers.py makes reproducible layers); push.py pushes through the OCI API (registry_client.py),
or uses `docker build` + `docker push` when a Docker engine answers.
"""
