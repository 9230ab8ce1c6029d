"""What a console on a database without customers shows instead of an empty queue.

A team's first start is on an empty database: an empty queue would look like a
quiet morning. This says that nothing is set up yet and what to run.
"""

from __future__ import annotations

from textual.content import Content

from dispatch.ui.widgets.quiet_static import QuietStatic

STEPS = (
    ("dispatch import FILE", "bring customers, contracts, technicians and tickets over"),
    ("dispatch customer add NAME --timezone ZONE --country CC", "or add a customer"),
    ("dispatch contract add NAME --customer NAME --kind KIND ...", "its contract"),
    ("dispatch tech add LOGIN --name NAME", "and the technicians"),
)
"""The commands, each with what it does (README: "Your own data")."""


class EmptyState(QuietStatic):
    """Shown over the queue while the database holds no customer (hidden otherwise)."""

    DEFAULT_CSS = """
    EmptyState {
        display: none;
        height: auto;
        padding: 1 2;
    }
    EmptyState.-shown { display: block; }
    """

    def on_mount(self) -> None:
        """Hold the text from the start; the screen shows or hides it."""
        lines = [
            Content.styled("No customers yet: nothing can be dispatched.", "bold"),
            Content("In a shell, as the console's user:"),
            Content(""),
        ]
        for command, what in STEPS:
            lines.append(Content.assemble(("  " + command, "bold $accent")))
            lines.append(Content.styled("      " + what, "dim"))
        lines += [Content(""), Content("The queue fills as they are added; see the README.")]
        self.update(Content("\n").join(lines), layout=False)

    def show(self, shown: bool) -> None:
        """Show (the database has no customer) or hide."""
        self.set_class(shown, "-shown")
