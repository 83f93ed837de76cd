"""The server-rendered web console (Jinja2 + htmx, no JavaScript build step) and the offline
API docs. Everything a page loads is served from this package (static/): offices run on
intranets, and the Content-Security-Policy allows only the console's own origin."""
