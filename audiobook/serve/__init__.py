"""``audiobook serve``: the pipeline behind an HTTP API and one web page.

``POST /v1/audio/speech`` speaks OpenAI's speech API and streams the audio as it is synthesized;
``/v1/jobs`` converts whole books, with state in SQLite so a restarted server resumes them; ``/``
is a page for people. Needs the ``serve`` extra (``pip install 'audiobook[serve]'``).
"""

from __future__ import annotations

import logging

from audiobook.errors import AudiobookError
from audiobook.serve.settings import TOKEN_ENV, ServeSettings, default_data_dir

__all__ = ["TOKEN_ENV", "ServeSettings", "default_data_dir", "run_server"]

log = logging.getLogger(__name__)


def run_server(settings: ServeSettings) -> None:
    """Serve until interrupted."""
    try:
        import uvicorn

        from audiobook.serve.app import create_app
    except ImportError as err:
        raise AudiobookError(
            f"the server needs the serve extra ({err.name} is missing); install it with pip install 'audiobook[serve]'"
        ) from None
    app = create_app(settings)
    log.info("serving on http://%s:%d/ (data in %s)", settings.host, settings.port, settings.data)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False)
