"""An in-process client for the site, shared by the site tests (a module, not conftest,
so its name cannot clash with the root conftest when the whole suite runs)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any


class SiteClient:
    """Datasette's in-process client on one event loop of its own thread.

    One loop, because Datasette keeps loop-bound locks; its own thread, because Playwright's
    sync API keeps a loop running in the main thread for the whole session.
    """

    def __init__(self, ds: Any) -> None:
        self.ds = ds
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._run(self.ds.client.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._run(self.ds.client.post(path, **kwargs))

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()
