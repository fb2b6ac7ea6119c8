"""The library screen: the indexed articles, a filter, and ingesting a path.

Listing and ingesting go through the `Assistant` in thread workers; ingest progress arrives
as `IngestProgress` messages that drive a ProgressBar, so the UI stays responsive during a
long ingest. The app installs this screen once, so an ingest goes on (and its result is
counted) when the user leaves the screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, ProgressBar
from textual.worker import Worker

from ...errors import NoIndexError
from ...text import clean, one_line
from ..messages import ArticlesLoaded, IngestDone, IngestFailed, IngestProgress, worker_error
from .article import ArticleScreen

if TYPE_CHECKING:
    from ...api import Assistant
    from ...types import ArticleInfo, IngestReport, Progress


def summary(report: IngestReport) -> str:
    """One line saying what an ingest did."""
    counts = [
        (report.added, "added"),
        (report.updated, "updated"),
        (report.unchanged, "unchanged"),
        (report.duplicates, "duplicates"),
        (report.removed, "removed"),
        (len(report.skipped), "skipped"),
    ]
    said = ", ".join(f"{n} {what}" for n, what in counts if n) or "nothing to read"
    line = f"{said} · {report.chunks} chunks embedded · {report.seconds:.1f} s"
    for skipped in report.skipped[:3]:
        line += f"\nskipped {skipped.path}: {skipped.reason}"
    for twin, indexed in report.duplicates_of[:3]:
        line += f"\n{twin}: duplicate of {indexed}"
    return line


def matches(info: ArticleInfo, needle: str) -> bool:
    fields = (info.title, info.source, info.author, info.published, info.id)
    return any(needle in f.lower() for f in fields if f)


class LibraryScreen(Screen[None]):
    """Browse and filter the index; ingest files, folders and URLs into it."""

    DEFAULT_CSS = """
    LibraryScreen {
        & > #ingest { height: auto; padding: 1 1 0 1; }
        & > #ingest > Input { width: 1fr; }
        & > #ingest > Button { margin-right: 1; }
        & > #progress { height: auto; padding: 0 2; }
        & > #progress.-idle > ProgressBar { display: none; }
        & > #progress > Label { width: 1fr; color: $text-muted; margin-left: 1; }
        & > #filter { margin: 0 1; }
        & > DataTable { height: 1fr; margin: 0 1; }
        & > #empty { color: $text-muted; padding: 1 2; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("ctrl+f", "go('filter')", "Filter"),
        Binding("ctrl+g", "go('path')", "Ingest"),
    ]

    def __init__(self, assistant: Assistant) -> None:
        super().__init__()
        self.assistant = assistant
        self.articles: list[ArticleInfo] = []
        self.coverage: dict[str, tuple[str, ...]] = {}
        """Article id -> the other outlets that report its story."""
        self.focus_on: str | None = None
        """The id of the widget to focus when the screen is shown next."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="ingest"):
            yield Input(placeholder="A file, folder, feed or article URL to ingest", id="path")
            yield Button("Ingest", id="start", variant="primary")
        with Horizontal(id="progress", classes="-idle"):
            yield ProgressBar(show_eta=False)
            yield Label("Type a path or URL above and press Enter to ingest it.", id="summary")
        yield Input(placeholder="Filter by title, source, author or date", id="filter")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_column("Title", width=max(30, self.app.size.width - 46), key="title")
        table.add_column("Source", key="source")
        table.add_column("Published", key="published")
        table.add_column("Chunks", key="chunks")
        yield table
        yield Label("", id="empty")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "Library"
        self.query_one(DataTable).loading = True
        self.load()

    def on_screen_resume(self) -> None:
        if not self.query_one(DataTable).loading:
            self.load()
        if self.focus_on is not None:
            self.action_go(self.focus_on)
            self.focus_on = None

    def action_go(self, widget_id: str) -> None:
        self.query_one(f"#{widget_id}").focus()

    @work(thread=True, exclusive=True, exit_on_error=False, group="library")
    def load(self) -> None:
        try:
            articles = self.assistant.articles()
            coverage = self.assistant.coverage([a.id for a in articles])
        except NoIndexError:  # nothing indexed yet: an ingest here makes the index
            articles, coverage = [], {}
        self.post_message(ArticlesLoaded(articles, coverage))

    def on_articles_loaded(self, message: ArticlesLoaded) -> None:
        self.show(message.articles, message.coverage)

    def show(self, articles: Sequence[ArticleInfo], coverage: dict[str, tuple[str, ...]]) -> None:
        self.articles = list(articles)
        self.coverage = coverage
        self.refilter()

    @on(Input.Changed, "#filter")
    def refilter(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        table.loading = False
        needle = self.query_one("#filter", Input).value.strip().lower()
        shown = [a for a in reversed(self.articles) if not needle or matches(a, needle)]
        table.clear()
        for info in shown:
            title = Text(one_line(info.title or info.id), no_wrap=True, overflow="ellipsis")
            others = len(self.coverage.get(info.id, ()))
            if others:
                title.append(f"  also reported by {others} outlet{'s' * (others > 1)}", "dim")
            table.add_row(
                title,
                Text(one_line(info.source or "")),
                Text(one_line(info.published or "")[:10]),
                Text(str(info.chunks), justify="right"),
                key=info.id,
            )
        empty = self.query_one("#empty", Label)
        if not self.articles:
            empty.update("No articles yet.")
        elif not shown:
            empty.update("No article matches the filter.")
        else:
            empty.update(f"{len(shown)} of {len(self.articles)} articles")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = worker_error(event)
        if error is not None:
            self.query_one(DataTable).loading = False
            if event.worker.group == "ingest":
                self.set_busy(False)
            self.notify(error, title="Something went wrong", severity="error", markup=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.app.push_screen(ArticleScreen(self.assistant, event.row_key.value))

    # -- ingest ---------------------------------------------------------------------------
    @on(Input.Submitted, "#path")
    @on(Button.Pressed, "#start")
    def start_ingest(self) -> None:
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.notify("Type a path or a URL first.")
            self.query_one("#path").focus()
            return
        self.set_busy(True)
        self.query_one("#summary", Label).update(Text(f"reading {clean(path)}…"))
        self.ingest(path)

    def set_busy(self, busy: bool) -> None:
        self.query_one("#path", Input).disabled = busy
        self.query_one("#start", Button).disabled = busy
        self.query_one("#progress").set_class(not busy, "-idle")
        if busy:
            self.query_one(ProgressBar).update(total=None, progress=0)

    def start_refresh(self) -> None:
        """Refresh every subscribed feed (`assistant feeds add URL` subscribes)."""
        self.set_busy(True)
        self.query_one("#summary", Label).update(Text("refreshing feeds…"))
        self.ingest(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ingest")
    def ingest(self, path: str | None) -> None:
        """Ingest `path`, or refresh the subscribed feeds when it is None."""

        def progress(p: Progress) -> None:
            self.post_message(IngestProgress(p.phase, p.done, p.total))

        try:
            if path is None:
                report = self.assistant.feeds_refresh(progress=progress)
            else:
                report = self.assistant.ingest(path, progress=progress)
            articles = self.assistant.articles()
            coverage = self.assistant.coverage([a.id for a in articles])
        except Exception as exc:  # shown as a notification; the screen stays usable
            self.post_message(IngestFailed(path or "feeds", str(exc) or type(exc).__name__))
            return
        self.post_message(IngestDone(report, articles, coverage))

    def on_ingest_progress(self, message: IngestProgress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(message.total, 1), progress=message.done)
        self.query_one("#summary", Label).update(
            Text(f"{message.phase}: {message.done} of {message.total}")
        )

    def on_ingest_done(self, message: IngestDone) -> None:
        self.set_busy(False)
        self.query_one("#summary", Label).update(Text(clean(summary(message.report))))
        self.query_one("#path", Input).value = ""
        self.show(message.articles, message.coverage)
        if not message.report.ok:
            self.notify("Nothing could be read from that path.", severity="error")

    def on_ingest_failed(self, message: IngestFailed) -> None:
        self.set_busy(False)
        self.query_one("#summary", Label).update(Text("ingest failed"))
        self.notify(clean(message.error), title="Ingest failed", severity="error", markup=False)
