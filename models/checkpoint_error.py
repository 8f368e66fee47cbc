"""Errors models/ raises for problems a user can fix (kept free of torch so the CLI starts fast)."""


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, incomplete or altered; the message names the file and the fix."""
