"""The one small type that moves between steps: a page with its id, text, metadata and labels."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .labels import check_label
from .lines import is_blank, split_lines


@dataclass
class Page:
    """A scraped page.

    Parameters
    ----------
    id : str
        Unique id (a file path, a JSONL ``id`` field, a WARC record's URL).
    text : str
        The page text, one block per line.
    meta : dict
        Every other field of the input record (``url``, ``domain``, ``lang``, ...).
    labels : list or None
        For labelled pages, one of ``"content"``, ``"boilerplate"`` or None per line of
        ``split_lines(text)``.
    record_fields : tuple of str, optional
        For a page read from a record (JSONL, Parquet): the record's field names in their
        order. Writing the page back as a record writes exactly these fields (plus any added
        to `meta` since), so a record without an id gets none.
    record_id : object
        The record's id field as read, of whatever type (a number, null, an object); `id`
        is its string form. Only meaningful when the id field is in `record_fields`.
    """

    id: str
    text: str
    meta: dict[str, object] = field(default_factory=dict)
    labels: list[str | None] | None = None
    record_fields: tuple[str, ...] | None = None
    record_id: object = None

    def __post_init__(self):
        self.id = str(self.id)
        if not isinstance(self.text, str):
            raise TypeError(f"page {self.id}: text must be a str, got {type(self.text).__name__}")
        self._lines = None

    @property
    def lines(self) -> list[str]:
        """The page's lines; index = ``line_no``."""
        if self._lines is None:
            self._lines = split_lines(self.text)
        return self._lines

    @property
    def domain(self) -> str | None:
        """The page's site, from ``meta["domain"]`` or None."""
        return self.meta.get("domain") or None

    @property
    def site(self) -> str | None:
        """The page's site for a site memory: its ``domain``, else its ``url``'s host
        (lower-cased), else None."""
        domain = self.domain
        if domain:
            return str(domain).lower()
        url = self.meta.get("url")
        if isinstance(url, str) and url:
            try:
                host = urlsplit(url.strip()).hostname
            except ValueError:
                host = None
            return host or None
        return None

    def nonblank_line_nos(self) -> list[int]:
        """Line numbers of the lines that get classified."""
        return [i for i, line in enumerate(self.lines) if not is_blank(line)]

    def check_labels(self):
        """Raise ValueError unless `labels` has one known label or None per line."""
        if self.labels is None:
            return
        if len(self.labels) != len(self.lines):
            raise ValueError(
                f"page {self.id}: {len(self.labels)} labels for {len(self.lines)} lines"
            )
        for i, value in enumerate(self.labels):
            check_label(value, where=f"page {self.id}, line_no {i}")
