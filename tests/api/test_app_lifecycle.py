"""An app's life: what closing it stops."""

import threading
import time
from pathlib import Path

from api.app import close_app, create_app
from api.config import Settings
from tests.conftest import TEST_MASTER_KEY_B64, TEST_SIGNING_KEY_B64


def test_closing_an_app_stops_its_background_jobs_first(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        master_key_settings={"LEDGER_MASTER_KEY": TEST_MASTER_KEY_B64},
        signing_key_settings={"LEDGER_SIGNING_KEY": TEST_SIGNING_KEY_B64},
    )
    app = create_app(settings, background=True)
    jobs = app.extensions["background_jobs"]
    deadline = time.monotonic() + 30
    while not jobs.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.running
    close_app(app)
    assert not jobs.running
    assert not [t for t in threading.enumerate() if t.name == "projection-worker" and t.is_alive()]
