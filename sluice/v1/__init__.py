"""Generated gRPC stubs of the sluice.v1 API (`make proto`)."""
