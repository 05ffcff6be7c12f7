"""What the UI and the REST API share, kept out of ``app.py`` so it can be tested without a server."""
