"""The error every part of the kit raises for a failure a person can act on (a leaf: it imports nothing)."""


class LocalCloudError(Exception):
    """A failure a person can act on: the message says what happened, what it affects, what to do."""
