"""Errors whose text is shown to the person who typed a command."""


class UsageError(Exception):
    """A wrong or incomplete command; str() is the line for the user (the usage follows)."""


class Refusal(Exception):
    """A well-formed request that cannot be done (not allowed, unknown incident, …);
    str() is the line for the user."""
