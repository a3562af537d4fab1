"""Errors whose message is meant for the person who asked: shown in Slack as is."""


class UserError(Exception):
    """Something the user can fix; the message is friendly and safe to show in Slack."""


class NotAnIncidentChannel(UserError):
    def __init__(self, verb: str = "") -> None:
        what = f"`/incident {verb}`" if verb else "This command"
        super().__init__(
            f"{what} only works inside an incident channel. Run it in the incident's channel, "
            "or use `/incident list` to find it."
        )


class IncidentNotFound(UserError):
    def __init__(self) -> None:
        super().__init__("That incident no longer exists.")


class AlreadyHandled(UserError):
    """A duplicate request (double click, retry): nothing was changed."""


class StorageUnavailable(UserError):
    """The database cannot be reached right now: nothing was changed, and trying again later works."""

    MESSAGE = "The incident bot cannot reach its database right now; please try again in a moment."

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)
