"""CloudWatch Logs where moto differs from AWS or costs more than it should (moto_patches/logs.py)."""
