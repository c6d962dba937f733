"""What operators see of a running app: Prometheus metrics and structured, masked logs."""
