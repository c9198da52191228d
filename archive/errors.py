class ArchiveError(Exception):
    """The archive cannot be written or read; the message says why."""
