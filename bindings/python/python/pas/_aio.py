"""Completion of the asyncio futures returned by pas's awaitable methods (internal)."""

from __future__ import annotations

import asyncio
from typing import Any


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Called on the future's loop (via ``call_soon_threadsafe``) when the Rust task ends."""
    if future.done():  # cancelled meanwhile
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
