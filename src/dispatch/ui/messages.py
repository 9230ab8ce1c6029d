"""Messages that cross from the App (or a background thread) to the screens."""

from __future__ import annotations

from textual.message import Message

from dispatch.domain.alerts import Alert


class AlertsRaised(Message, bubble=False):
    """This process's sweep raised ``alerts`` (other processes' show up by polling).

    It does not bubble: the App hands it to the screen, and a bubbling copy
    would come straight back to the App.
    """

    def __init__(self, alerts: tuple[Alert, ...]) -> None:
        self.alerts = alerts
        super().__init__()
