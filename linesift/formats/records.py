"""Pages as records (dicts) and back: the fields every record format shares."""

from ..errors import InputError
from ..pages import Page
from .options import ID_FIELD, TEXT_FIELD


def page_from_record(record, options, default_id=None):
    """Build a Page from a record (dict).

    Raises ValueError when its text is missing or not a string; every other field goes to
    ``meta``.
    """
    if options.text_field not in record:
        raise ValueError(f"record has no {options.text_field!r} field")
    text = record[options.text_field]
    if not isinstance(text, str):
        raise ValueError(f"field {options.text_field!r} is {type(text).__name__}, not a string")
    meta = {k: v for k, v in record.items() if k not in (options.id_field, options.text_field)}
    page_id = record.get(options.id_field)
    if page_id is None:
        page_id = default_id
    return Page(id=page_id, text=text, meta=meta)


def page_record(page, *, id_field=ID_FIELD, text_field=TEXT_FIELD, text=None):
    """A page as a record: id, text (or `text` instead), then every metadata field."""
    record = {id_field: page.id, text_field: page.text if text is None else text}
    record.update(page.meta)
    return record


def bad_record(path, line, reason, options, skips, hint=None):
    """A record that cannot be read: raise InputError, or with ``on_error="skip"`` count it in
    `skips` and return None."""
    if options.on_error == "skip":
        if skips is not None:
            skips.add(path, line, reason)
        return None
    raise InputError(path, reason, line=line, hint=hint)


def unreadable_rest(path, line_no, exc, options, skips, unit="line"):
    """A file that breaks off after `line_no` lines or rows (a truncated gzip, a corrupt
    Parquet row group): with on_error="skip" and some read, the rest is one skipped record."""
    if line_no == 0 or options.on_error != "skip":
        where = f" past {unit} {line_no}" if line_no else ""
        raise InputError(path, f"cannot read{where} ({exc})") from None
    if skips is not None:
        skips.add(path, line_no + 1, f"cannot read the rest of the file ({exc})")


def text_hint(reason, options):
    """The hint for a record whose text field is missing or not text."""
    return "text_field" if options.text_field in reason else None
