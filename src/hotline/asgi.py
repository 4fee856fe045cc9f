"""The ASGI entry point for uvicorn and other servers: the app built from the environment."""

from hotline.app import create_app

app = create_app()
