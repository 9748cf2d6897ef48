"""kith's errors: one root, so the command line can print any of them as one line."""


class KithError(Exception):
    """Root of every error kith raises on purpose; its message is for users."""


class StoreUnavailable(KithError):
    """The store cannot be reached or opened (server down, wrong password, unreadable file)."""


class StoreLocked(KithError):
    """Another process is writing to the store."""


class NodeNotFound(KithError):
    """A node asked for by id is not in the graph."""


class InputError(KithError):
    """Input that kith cannot use at all (as opposed to single bad rows, which are quarantined)."""


class AccessDenied(KithError):
    """The signed-in user's role does not allow what was asked (the message names the role, never data)."""
