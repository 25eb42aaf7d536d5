"""Developer tools: the commercetools mock server for tests, the demo and other helpers."""
