"""Code every pipeline function shares. `make build` puts this package into each function's zip, so the
repository keeps one copy and each deployed function still holds everything it imports."""
