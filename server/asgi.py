"""The ASGI application for uvicorn workers: `uvicorn server.asgi:app`."""

from server.app import create_app
from server.logs import configure
from server.settings import load_settings

settings = load_settings()
configure(settings.log_level, settings.log_format)
app = create_app(settings)
