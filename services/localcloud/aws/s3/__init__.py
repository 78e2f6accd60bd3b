"""S3 behaviour we own: which browser origins a bucket's CORS rules admit (cors.py)."""
