"""What we change in moto's IAM (patched from our code; moto's files stay untouched)."""
