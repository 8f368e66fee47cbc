"""The one base class for errors a user can cause and fix: the CLI prints them as one sentence."""


class UserError(Exception):
    """An error whose message names the problem and the fix; no traceback unless --debug."""
