"""How records are read: field names, what a bad record does, and the text encoding."""

from dataclasses import dataclass

ID_FIELD = "id"
TEXT_FIELD = "text"
LABELS_FIELD = "labels"
ON_ERROR_CHOICES = ("fail", "skip")
STDIN = "-"


@dataclass(frozen=True)
class ReadOptions:
    """How to read records.

    Parameters
    ----------
    id_field, text_field : str
        Record fields holding the page id and text.
    on_error : {"fail", "skip"}
        A malformed record or unreadable file stops the run ("fail") or is skipped and
        reported ("skip").
    encoding : str, optional
        Text encoding of the inputs; None reads UTF-8, else detects.
    reserved_fields : tuple of str
        Fields a record must not have because linesift writes its own there (``scores`` and
        ``keep`` when scores are written): such a record is a bad record, never overwritten.
    """

    id_field: str = ID_FIELD
    text_field: str = TEXT_FIELD
    on_error: str = "fail"
    encoding: str | None = None
    reserved_fields: tuple = ()

    def __post_init__(self):
        if self.on_error not in ON_ERROR_CHOICES:
            raise ValueError(f"on_error must be one of {ON_ERROR_CHOICES}, got {self.on_error!r}")


class Skips:
    """What reading left out or changed, to be reported: the records skipped
    (``on_error="skip"``), (path, line, reason) each, in `records`; and in `notes`, (path,
    message) for what was read but not exactly as stored (bytes that are not UTF-8 replaced,
    WARC records that are not text left out)."""

    def __init__(self):
        self.records = []
        self.notes = []

    def add(self, path, line, reason):
        self.records.append((str(path), line, " ".join(str(reason).split())))

    def note(self, path, message):
        self.notes.append((str(path), " ".join(str(message).split())))

    def __len__(self):
        return len(self.records)

    def __iter__(self):
        return iter(self.records)
