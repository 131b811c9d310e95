"""Pages as records (dicts) and back: the fields every record format shares.

A record read from a file comes back out with the same fields, in the same order, of the
same types: only its text is replaced. Its id keeps its type (a number, null, an object) in
:attr:`Page.record_id`; :attr:`Page.id` is its string form (or the record's file position
when it has none), used for messages and as a key.
"""

import json

from ..errors import InputError
from ..pages import Page
from .options import ID_FIELD, TEXT_FIELD


def page_from_record(record, options, default_id=None):
    """Build a Page from a record (dict).

    Raises ValueError when its text is missing or not a string, or when it has one of
    ``options.reserved_fields``; every other field goes to ``meta``.
    """
    if options.text_field not in record:
        raise ValueError(f"record has no {options.text_field!r} field")
    text = record[options.text_field]
    if not isinstance(text, str):
        raise ValueError(f"field {options.text_field!r} is {type(text).__name__}, not a string")
    for name in options.reserved_fields:
        if name in record:
            raise ValueError(f"record already has a {name!r} field, which linesift's own "
                             f"{name!r} would overwrite")
    meta = {k: v for k, v in record.items() if k not in (options.id_field, options.text_field)}
    raw_id = record.get(options.id_field)
    return Page(id=id_string(raw_id, default_id), text=text, meta=meta,
                record_fields=tuple(record), record_id=raw_id)


def id_string(raw_id, default=None):
    """The string form of an id of any type: a string as it is, null as `default`, anything
    else as its JSON text."""
    if isinstance(raw_id, str):
        return raw_id
    if raw_id is None:
        return default
    return json.dumps(raw_id, ensure_ascii=False, default=str, sort_keys=True)


def output_id(page, id_field=ID_FIELD):
    """The page's id as its record had it (any type), else its string id."""
    if page.record_fields is not None and id_field in page.record_fields:
        return page.record_id
    return page.id


def page_record(page, *, id_field=ID_FIELD, text_field=TEXT_FIELD, text=None):
    """A page as a record, with `text` instead of its text when given.

    A page read from a record gives back that record's fields in their order and types
    (and fields added to ``meta`` since, at the end); other pages give id, text, then every
    metadata field.
    """
    text = page.text if text is None else text
    if page.record_fields is None:
        record = {id_field: page.id, text_field: text}
        record.update(page.meta)
        return record
    record = {}
    for name in page.record_fields:
        if name == text_field:
            record[name] = text
        elif name == id_field:
            record[name] = page.record_id
        elif name in page.meta:
            record[name] = page.meta[name]
    for name, value in page.meta.items():
        record.setdefault(name, value)
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
    missing = "has no" in reason or "not a string" in reason
    return "text_field" if missing and options.text_field in reason else None
