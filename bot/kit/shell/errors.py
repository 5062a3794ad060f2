"""The one error the shell shows as a line of its own instead of a traceback."""


class ShellError(Exception):
    """A mistake in what the user typed: printed as one line."""
