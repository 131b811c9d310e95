"""Parquet pages: one page record per row (columns as fields)."""

import os
import sys

from ..errors import InputError, OutputError
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
        for record in _records(batch):
            row += 1
            try:
                yield page_from_record(record, options, default_id=f"{path}:{row}")
            except ValueError as exc:
                bad_record(path, row, f"row {row}: {exc}", options, skips,
                           hint=text_hint(str(exc), options))


def _records(batch):
    """The batch's rows as dicts; map columns as dicts (as pairs when a map repeats a key)."""
    import pyarrow as pa

    try:
        return batch.to_pylist(maps_as_pydicts="strict")
    except (pa.ArrowException, KeyError, ValueError):
        return batch.to_pylist()


class ParquetWriter:
    """Write records to a Parquet file in row groups of PARQUET_FLUSH_ROWS rows.

    The file's schema holds every field of every record: a field first seen in a later row
    group is added, and a column whose values need a wider type (null to string, integer to
    float, an object gaining keys) is widened; the rows already written are then rewritten
    with the wider schema (this happens once per change of schema, not per row group).
    Records with values no one column type can hold (an integer and a string in one field)
    raise :class:`~linesift.errors.OutputError`.

    Parameters
    ----------
    path : str or Path
        Where to write (the caller's temporary file).
    schema : pyarrow.Schema, optional
        Column types to keep (a Parquet input's schema): those columns are written with
        exactly these types, so Parquet records keep their types (int32, decimal(5, 2),
        timestamps with their unit and zone, maps, dictionaries).
    name : str, optional
        The output as the user knows it, for messages (default: `path`).
    """

    def __init__(self, path, schema=None, name=None):
        self.path = str(path)
        self.name = str(name or path)
        self._hint = {field.name: field.type for field in schema} if schema is not None else {}
        self._buffer = []
        self._schema = None
        self._writer = None
        self._file = self.path  # the file being written: `path`, or a wider copy of it
        self._rows = 0

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
        schema, arrays = self._columns(self._buffer)
        if self._schema is not None and not schema.equals(self._schema):
            self._widen(schema)
        if self._writer is None:
            self._schema = schema
            self._writer = pq.ParquetWriter(self._file, schema)
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
        self._rows += len(self._buffer)
        self._buffer = []

    def _columns(self, rows):
        """The schema covering the file so far and `rows`, and `rows` as arrays of it."""
        import pyarrow as pa

        names = list(self._schema.names) if self._schema is not None else []
        seen = set(names)
        for row in rows:
            for name in row:
                if name not in seen:
                    seen.add(name)
                    names.append(name)
        fields, arrays = [], []
        for name in names:
            values = [row.get(name) for row in rows]
            array = self._column(name, values)
            fields.append(pa.field(name, array.type))
            arrays.append(array)
        return pa.schema(fields), arrays

    def _column(self, name, values):
        """`values` as an array of the column's type, widened when they need it."""
        import pyarrow as pa

        known = self._schema.field(name).type if (
            self._schema is not None and name in self._schema.names) else None
        hint = self._hint.get(name)
        if hint is not None and (known is None or known.equals(hint)):
            try:
                return pa.array(values, type=hint)
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                pass  # not the input's values any more: inferred below
        array = self._infer(name, values)
        if known is None or array.type.equals(known):
            return _writable(array, name, self.name, self._rows)
        wider = _wider_type(known, array.type, name, self.name, self._rows)
        return _writable(pa.array(values, type=wider), name, self.name, self._rows)

    def _infer(self, name, values):
        import pyarrow as pa

        try:
            return pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError) as exc:
            raise _mixed_error(name, values, exc, self.name, self._rows) from None

    def _widen(self, schema):
        """Copy the rows written so far into a new file of the wider `schema`, which the
        following rows go to (renamed onto `path` when the writer closes)."""
        import pyarrow.parquet as pq

        self._writer.close()
        self._writer = None
        old, self._file = self._file, (f"{self.path}.widen" if self._file == self.path
                                       else self.path)
        writer = pq.ParquetWriter(self._file, schema)
        try:
            for batch in pq.ParquetFile(old).iter_batches(PARQUET_BATCH_ROWS):
                writer.write_table(_as_schema(batch, schema))
        except BaseException:
            writer.close()
            raise
        self._writer = writer
        self._schema = schema
        if old != self.path:
            os.unlink(old)

    def close(self):
        self._flush()
        if self._writer is None:  # no rows: still write a valid, empty file
            import pyarrow as pa
            import pyarrow.parquet as pq

            schema = pa.schema(list(self._hint.items())) if self._hint else pa.schema(
                [(ID_FIELD, pa.string()), (TEXT_FIELD, pa.string())])
            pq.write_table(schema.empty_table(), self.path)
            return
        self._writer.close()
        if self._file != self.path:
            os.replace(self._file, self.path)

    def abort(self):
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # the output is discarded anyway
                pass
        if self._file != self.path and os.path.exists(self._file):
            os.unlink(self._file)


def input_schema(path):
    """The Arrow schema of a Parquet input (None for stdin or an unreadable file: reading it
    then says what is wrong)."""
    if path == STDIN:
        return None
    import pyarrow.parquet as pq

    try:
        return pq.read_schema(path)
    except Exception:  # noqa: BLE001 - the reader reports it, with the file's name
        return None


def _as_schema(batch, schema):
    """A batch already written, as a table of the wider `schema` (missing columns null)."""
    import pyarrow as pa

    arrays = []
    for field in schema:
        if field.name in batch.schema.names:
            column = batch.column(field.name)
            try:
                arrays.append(column.cast(field.type))
            except (pa.ArrowException, TypeError, ValueError):
                arrays.append(pa.array(column.to_pylist(), type=field.type))
        else:
            arrays.append(pa.nulls(batch.num_rows, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _wider_type(known, new, name, output, rows_before):
    """The type holding both `known` and `new` values (int and float: float; null and any:
    that; objects: the union of their keys), else OutputError."""
    import pyarrow as pa

    try:
        merged = pa.unify_schemas([pa.schema([(name, known)]), pa.schema([(name, new)])],
                                  promote_options="permissive")
    except (pa.ArrowException, TypeError, ValueError):
        raise OutputError(output, f"field {name!r} is {_type_name(new)} after row "
                                  f"{rows_before} but {_type_name(known)} before; a Parquet "
                                  "column holds one type (write JSON Lines to keep both)"
                          ) from None
    return merged.field(name).type


def _writable(array, name, output, rows_before):
    """`array`, or OutputError when Parquet cannot store its type (an object with no keys)."""
    if _has_empty_struct(array.type):
        raise OutputError(output, f"field {name!r} holds an empty object ({{}}) (rows "
                                  f"{rows_before + 1} to {rows_before + len(array)}), which "
                                  "Parquet cannot store (write JSON Lines to keep it)")
    return array


def _has_empty_struct(arrow_type):
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):
        return arrow_type.num_fields == 0 or any(
            _has_empty_struct(arrow_type.field(i).type) for i in range(arrow_type.num_fields))
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return _has_empty_struct(arrow_type.value_type)
    if pa.types.is_map(arrow_type):
        return _has_empty_struct(arrow_type.item_type)
    return False


def _mixed_error(name, values, exc, output, rows_before):
    """OutputError for values of one field that no one column type holds, naming the row."""
    first = next((v for v in values if v is not None), None)
    for offset, value in enumerate(values):
        if value is not None and _kind(value) != _kind(first):
            return OutputError(output, f"row {rows_before + offset + 1}: field {name!r} is "
                                       f"{_kind(value)} but {_kind(first)} in an earlier row; "
                                       "a Parquet column holds one type (write JSON Lines to "
                                       "keep both)")
    if isinstance(exc, OverflowError):
        return OutputError(output, f"field {name!r} holds an integer too large for Parquet "
                                   "(write JSON Lines to keep it)")
    return OutputError(output, f"field {name!r} cannot be stored in Parquet ({exc})")


def _kind(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _type_name(arrow_type):
    return str(arrow_type)
