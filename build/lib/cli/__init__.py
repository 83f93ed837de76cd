"""The `leadflow` command line: the composition root, the only code that knows the engine,
the HTTP API and uvicorn together."""
