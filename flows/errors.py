"""The one base class for errors a user can cause and fix: the CLI prints them as one sentence."""

from __future__ import annotations

import errno
import re


class UserError(Exception):
    """An error whose message names the problem and the fix; no traceback unless --debug."""


def disk_full_message(exc: BaseException) -> str | None:
    """The sentence for an error a full disk caused (an OSError ENOSPC, or DuckDB's "No space left on device"
    anywhere in the exception's chain), else None.
    disk_full_message(OSError(28, 'No space left on device', '/srv/rl/x.html')) -> 'the disk holding /srv/rl/x.html
    is full, so the step that was writing was undone and nothing is half-written; free some space and run the
    command again.'"""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        where = None
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = exc.filename or "?"
        elif "No space left on device" in str(exc):
            found = re.search(r'file "([^"]+)"', str(exc))
            where = found.group(1) if found else "?"
        if where is not None:
            place = "the disk" if where == "?" else f"the disk holding {where}"
            return (f"{place} is full, so the step that was writing was undone and nothing is half-written; "
                    "free some space and run the command again.")
        exc = exc.__cause__ or exc.__context__
    return None
