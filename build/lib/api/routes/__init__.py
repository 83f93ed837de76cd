"""One module per area, each exposing `router`; `api.app.create_app` includes them."""
