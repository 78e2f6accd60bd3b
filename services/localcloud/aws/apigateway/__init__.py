"""API Gateway: the REST data plane (data_plane.install mounts it); moto keeps the control plane."""
