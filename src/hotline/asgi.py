"""The ASGI entry point for uvicorn and other servers: the app built from the environment.

With the embedded SQLite database (or ``HOTLINE_WORKER=on``) the sweeper and webhook deliveries run
inside the server process; with PostgreSQL run `hotline worker` beside it (``HOTLINE_WORKER=auto``).
"""

from hotline.app import create_app
from hotline.config import Settings

_settings = Settings()
app = create_app(_settings, run_worker=_settings.worker_in_process, freeze_after_start=True)
