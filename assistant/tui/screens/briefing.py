"""The briefing screen: what happened in the last day (or two, or week), story by story.

The briefing is made by `Assistant.brief` in a thread worker, which posts `BriefingLoaded`
(or `BriefingFailed`); this screen only shows the stories, the ones most outlets carry
first. A summary's `[n]` opens the cited article at its quote, like an answer's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select
from textual.worker import Worker

from ...text import clean
from ..messages import BriefingFailed, BriefingLoaded, describe_error, worker_error
from ..widgets.conversation import CITE_SCHEME
from ..widgets.story import StoryView
from .article import ArticleScreen

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from ...api import Assistant

PERIODS = [("Last 24 hours", "24h"), ("Last 2 days", "2d"), ("Last week", "7d")]


class BriefingScreen(Screen[None]):
    """The period's stories across outlets, each summarised with citations."""

    DEFAULT_CSS = """
    BriefingScreen {
        & > #bar { height: auto; padding: 1 1 0 1; }
        & > #bar > Select { width: 24; }
        & > #bar > Label { width: 1fr; padding: 1 2; color: $text-muted; }
        & > #stories { height: 1fr; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "reload", "Refresh"),
    ]

    def __init__(self, assistant: Assistant, since: str = "24h") -> None:
        super().__init__()
        self.assistant = assistant
        self.since = since
        self.briefing_shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="bar"):
            yield Select(PERIODS, value=self.since, allow_blank=False, id="period")
            yield Label("", id="summary")
        yield VerticalScroll(id="stories")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Briefing"
        self.action_reload()

    @property
    def stories(self) -> list[StoryView]:
        return list(self.query(StoryView))

    def action_reload(self) -> None:
        self.query_one("#stories").loading = True
        self.query_one("#summary", Label).update("reading the articles…")
        self.load(self.since)

    @on(Select.Changed, "#period")
    def period_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.since:
            self.since = event.value
            self.action_reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="briefing")
    def load(self, since: str) -> None:
        try:
            briefing = self.assistant.brief(since)
        except Exception as exc:  # a notification; the screen stays usable
            self.post_message(BriefingFailed(describe_error(exc)))
            return
        self.post_message(BriefingLoaded(briefing))

    async def on_briefing_loaded(self, message: BriefingLoaded) -> None:
        briefing = message.briefing
        box = self.query_one("#stories", VerticalScroll)
        await box.remove_children()
        box.loading = False
        views = [StoryView(n, story) for n, story in enumerate(briefing.stories, 1)]
        if views:
            await box.mount_all(views)
        else:
            await box.mount(Label("No articles were published in this period."))
        shared = sum(1 for s in briefing.stories if len(s.sources) > 1)
        self.query_one("#summary", Label).update(
            Text(
                f"{len(briefing.stories)} stories from {briefing.articles} articles · "
                f"{shared} carried by several outlets · {briefing.seconds:.1f} s"
            )
        )
        self.briefing_shown = True

    def on_briefing_failed(self, message: BriefingFailed) -> None:
        self.query_one("#stories").loading = False
        self.query_one("#summary", Label).update("no briefing")
        self.notify(clean(message.error), title="No briefing", severity="error", markup=False)

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        href = event.href
        owner = event.markdown.parent
        if href.startswith(CITE_SCHEME) and isinstance(owner, StoryView):
            number = href[len(CITE_SCHEME) :]
            citation = owner.citation(int(number)) if number.isdigit() else None
            if citation is not None:
                self.app.push_screen(ArticleScreen(self.assistant, citation.article_id, citation))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is not None:
            self.query_one("#stories").loading = False
            self.notify(error, title="Something went wrong", severity="error", markup=False)
