"""Errors a user can cause. The CLI turns each into one line on stderr and its exit code.

Anything else is a bug and stays loud (a traceback).
"""


class BertstudyError(Exception):
    """A problem the user can fix; `exit_code` is what the command exits with."""

    exit_code = 1


class UsageError(BertstudyError):
    """The command was asked for something that does not exist (unknown id, missing file)."""

    exit_code = 2


class ContentError(BertstudyError):
    """A content pack is broken; the message names the file, the line and the key."""

    def __init__(self, file: str, line: int | None, key: str | None, message: str):
        self.file, self.line, self.key, self.problem = file, line, key, message
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


class StoreError(BertstudyError):
    """The progress store cannot be opened or written."""
