"""The file of site counts (``linesift site-stats -o``, ``--site-stats``): a table of
``domain``, ``line_hash``, ``pages`` as Parquet or JSON Lines, with a format marker and its row
count. What the counts mean is :mod:`linesift.columns.site`'s; this module only writes and
reads them."""

import json
from pathlib import Path

import numpy as np

from ..errors import InputError
from .atomic import atomic_path

STATS_FORMAT = "linesift-site-stats/2"
"""The marker of a site-counts file. Format 2 keys lines with
:func:`linesift.columns.site.line_keys`; format 1 files (blake2b keys) are refused."""


def write_site_counts(frame, path):
    """Write a counts table (``domain``, ``line_hash``, ``pages``) to `path`: Parquet
    (``.parquet``) or JSON Lines (anything else), with a format marker and the row count, so
    that a file cut short is refused when read."""
    path = Path(path)
    with atomic_path(path) as tmp:  # a failed write leaves an earlier file as it was
        if str(path).lower().endswith((".parquet", ".pq")):
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            table = table.replace_schema_metadata({"format": STATS_FORMAT,
                                                   "rows": str(len(frame))})
            pq.write_table(table, tmp)
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(json.dumps({"format": STATS_FORMAT, "rows": len(frame)}) + "\n")
                for domain, h, pages in frame.itertuples(index=False):
                    fh.write(json.dumps({"domain": domain, "line_hash": str(h),
                                         "pages": int(pages)}) + "\n")
    return path


def read_site_counts(path):
    """The counts table of a file written by :func:`write_site_counts`; InputError for
    anything else (one line naming the file, never a traceback)."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such site-stats file")
    try:
        frame = _read_site_stats(path)
        missing = {"domain", "line_hash", "pages"} - set(frame.columns)
        if missing:
            raise InputError(path, f"not a linesift site-stats file (no {sorted(missing)} "
                                   "columns)")
        return frame
    except InputError:
        raise
    except IsADirectoryError:
        raise InputError(path, "is a directory, not a site-stats file") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except Exception as exc:  # noqa: BLE001 - garbage can fail in pandas, pyarrow or json
        reason = " ".join(str(exc).split())[:200]
        raise InputError(path, f"not a readable linesift site-stats file ({reason})") from None


def _read_site_stats(path):
    """The counts table of a saved file, after checking its format marker and, when it gives
    one, its row count (a file cut short is refused, not used)."""
    if str(path).lower().endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        if meta.get("format") != STATS_FORMAT:
            raise InputError(path, f"not a linesift site-stats file (no {STATS_FORMAT} marker; "
                                   "make counts with `linesift site-stats`)")
        frame = table.to_pandas()
        _check_rows(path, meta.get("rows"), len(frame))
        return frame
    with open(path, encoding="utf-8") as fh:
        head = json.loads(fh.readline() or "{}")
        if not isinstance(head, dict) or head.get("format") != STATS_FORMAT:
            raise InputError(path, f"not a linesift site-stats file (expected {STATS_FORMAT})")
        rows = [json.loads(line) for line in fh if line.strip()]
    _check_rows(path, head.get("rows"), len(rows))
    import pandas as pd  # only when counts are read: filtering without --site-stats needs none

    return pd.DataFrame({
        "domain": pd.Series([r["domain"] for r in rows], dtype=object),
        "line_hash": np.array([int(r["line_hash"]) for r in rows], dtype=np.uint64),
        "pages": np.array([r["pages"] for r in rows], dtype=np.int64)})


def _check_rows(path, expected, found):
    if expected is not None and int(expected) != found:
        raise InputError(path, f"holds {found:,} rows where its header says {int(expected):,}: "
                               "the file is cut short or was changed; count again")
