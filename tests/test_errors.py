"""Which errors are the user's to fix (one sentence, no traceback) and which are bugs (traceback kept), also in the
log records Prefect writes when a flow or task raises."""

from __future__ import annotations

import logging

from reviewlens.flows.errors import UserError, quiet_user_errors, user_message
from reviewlens.models.checkpoint_error import CheckpointError


def test_user_errors_damaged_checkpoints_and_full_disks_have_a_sentence_bugs_do_not():
    assert user_message(UserError("pass a date.")) == "pass a date."
    assert user_message(CheckpointError("no checkpoint at x; train one.")) == "no checkpoint at x; train one."
    assert user_message(OSError(28, "No space left on device", "/srv/x")).startswith("the disk holding /srv/x is full")
    assert user_message(ValueError("a bug")) is None


def test_prefect_run_logs_keep_a_bugs_traceback_and_drop_a_user_errors(monkeypatch):
    quiet_user_errors()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "handlers", [handler])                # only this test's handler sees the records
        monkeypatch.setattr(logger, "propagate", False)
        for error in (UserError("pass a date."), CheckpointError("damaged"), ValueError("a bug")):
            try:
                raise error
            except Exception:
                logger.exception("Encountered exception during execution: %r", error)       # what Prefect logs
        logger.error("Finished in state Failed()")
    assert [(r.name, type(r.exc_info[1]).__name__ if r.exc_info else r.getMessage()) for r in records] == [
        ("prefect.flow_runs", "ValueError"), ("prefect.flow_runs", "Finished in state Failed()"),
        ("prefect.task_runs", "ValueError"), ("prefect.task_runs", "Finished in state Failed()")]
