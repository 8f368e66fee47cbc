"""The one base class for errors a user can cause and fix: the CLI prints them as one sentence."""

from __future__ import annotations

import errno
import logging
import re

from reviewlens.models.checkpoint_error import CheckpointError


class UserError(Exception):
    """An error whose message names the problem and the fix; no traceback unless --debug."""


def user_message(exc: BaseException) -> str | None:
    """The one sentence for an error the user can fix (a UserError, a damaged checkpoint, a full disk); None for
    anything else, which is a bug and keeps its traceback."""
    if isinstance(exc, (UserError, CheckpointError)):
        return str(exc)
    return disk_full_message(exc)


class _DropUserErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or user_message(error) is None


_DROP_USER_ERRORS = _DropUserErrors()


def quiet_user_errors() -> None:
    """Prefect logs every exception a flow or task raises, traceback and all, before re-raising it; the CLI prints
    an error the user can fix once, as its sentence, so Prefect's record of it is dropped (bugs keep theirs, and
    the run's Failed state still carries the message)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).addFilter(_DROP_USER_ERRORS)


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
