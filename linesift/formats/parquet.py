"""Parquet pages: one page record per row (columns as fields)."""

import sys

from ..errors import InputError
from .options import ID_FIELD, STDIN, TEXT_FIELD
from .records import bad_record, page_from_record, text_hint, unreadable_rest

PARQUET_BATCH_ROWS = 1024
"""Rows read at a time."""
PARQUET_FLUSH_ROWS = 1000
"""Rows written at a time (one row group each)."""


def read_parquet(path, options, skips=None):
    """Yield a Page per row of a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = sys.stdin.buffer if path == STDIN else path
    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    names = parquet.schema_arrow.names
    if options.text_field not in names:
        raise InputError(path, f"has no {options.text_field!r} column (columns: "
                               f"{', '.join(names)})", hint="text_field")
    row = 0
    batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as exc:  # a corrupt row group
            unreadable_rest(path, row, exc, options, skips, unit="row")
            return
        if batch is None:
            return
        for record in batch.to_pylist():
            row += 1
            try:
                yield page_from_record(record, options, default_id=f"{path}:{row}")
            except ValueError as exc:
                bad_record(path, row, f"row {row}: {exc}", options, skips,
                           hint=text_hint(str(exc), options))


class ParquetWriter:
    """Write records to a Parquet file, in row groups of PARQUET_FLUSH_ROWS rows; the schema
    is that of the first group."""

    def __init__(self, path):
        self.path = path
        self._buffer = []
        self._writer = None

    def open(self):
        return self

    def write(self, record):
        self._buffer.append(record)
        if len(self._buffer) >= PARQUET_FLUSH_ROWS:
            self._flush()

    def _flush(self):
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._buffer:
            return
        if self._writer is None:
            table = pa.Table.from_pylist(self._buffer)
            self._writer = pq.ParquetWriter(self.path, table.schema)
        else:
            table = pa.Table.from_pylist(self._buffer, schema=self._writer.schema)
        self._writer.write_table(table)
        self._buffer = []

    def close(self):
        self._flush()
        if self._writer is None:  # no rows: still write a valid, empty file
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({ID_FIELD: pa.array([], pa.string()),
                                     TEXT_FIELD: pa.array([], pa.string())}), self.path)
        else:
            self._writer.close()

    def abort(self):
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # the output is discarded anyway
                pass
