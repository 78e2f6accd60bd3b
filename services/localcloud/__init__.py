"""localcloud: AWS's APIs on one local endpoint, for serverless data pipelines."""

__version__ = "0.1.0"
