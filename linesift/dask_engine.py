"""`linesift filter --engine dask`: filter a Parquet or JSONL dataset on a Dask cluster.

Every partition is filtered by a task that loads the model once per worker (cached by path and
sha256) and builds the same records as the single-process filter
(:func:`linesift.filtering.sifted_to_record`); each task writes its own file, ``part.NNNNN``,
into OUTDIR. Records are read exactly as the single-process readers read them: JSONL lines with
``json.loads`` (``dask.bag.read_text``, one partition per file), Parquet through
``dask.dataframe.read_parquet`` with Arrow types, so no column is re-typed on the way.

With a model trained on site statistics, the line counts are a distributed group-by over the
dataset first (or are loaded from ``--site-stats PATH``); lines on one page only are dropped
before the counts are gathered and broadcast to the workers.

Dask is an optional dependency: ``pip install linesift[dask]``.
"""

import json
import logging
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError, LinesiftError
from .filtering import FilterStats, sifted_to_record
from .readers import ReadOptions, page_from_record
from .writers import RecordWriter

OUTPUT_FORMATS = ("parquet", "jsonl")
ENGINES = ("local", "dask")
PART_NAME = "part.{:05d}.{}"
_PARQUET_NAMES = (".parquet", ".pq", ".parq")
_SIFTERS = {}
"""Loaded models of this worker process, by (resolved path, sha256, threshold)."""


def _import_dask():
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise LinesiftError("--engine dask needs Dask: pip install 'linesift[dask]'") from None


def dataset_format(dataset):
    """'parquet' for a Parquet file or a directory (of Parquet files), else 'jsonl'."""
    from fsspec.core import url_to_fs

    name = str(dataset).rstrip("/").lower()
    if name.endswith(_PARQUET_NAMES):
        return "parquet"
    if any(ch in name for ch in "*?["):
        return "jsonl"
    fs, path = url_to_fs(str(dataset))
    if fs.isdir(path):
        return "parquet"
    if not fs.exists(path):
        raise InputError(dataset, "no such file or directory")
    return "jsonl"


@contextmanager
def dask_client(scheduler=None, workers=None):
    """A Dask client: on the cluster at `scheduler`, else on a new local cluster.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (``tcp://host:8786``).
    workers : int, optional
        Local cluster size (default: all cores); with `scheduler`, wait for that many workers.
    """
    _import_dask()
    from distributed import Client, LocalCluster

    from .parallel import default_jobs

    if scheduler:
        with Client(scheduler) as client:
            if workers:
                client.wait_for_workers(workers)
            yield client
        return
    with LocalCluster(n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        with Client(cluster) as client:
            yield client


def filter_dataset(dataset, out_dir, model, *, client, threshold=None, scores=False,
                   out_format="parquet", read_options=None, site_stats=None, progress=None):
    """Filter every partition of `dataset` into ``OUTDIR/part.NNNNN.<format>`` on `client`.

    Parameters
    ----------
    dataset : str
        Parquet file or directory, or JSONL file or glob; a local path or an fsspec URL.
    out_dir : str
        Output directory (local or fsspec URL); must hold no part files yet.
    model : str or Path
        Model directory, readable by every worker.
    client : distributed.Client
    out_format : {'parquet', 'jsonl'}
    site_stats : SiteStats or None
        For a model trained with site statistics; None counts them on the cluster first.
    progress : tqdm-like, optional
        Advanced by pages and lines as partitions finish.

    Returns
    -------
    FilterStats
        ``files`` is the number of partitions.
    """
    from .model import default_model_dir, read_card

    if out_format not in OUTPUT_FORMATS:
        raise LinesiftError(f"--format must be one of {', '.join(OUTPUT_FORMATS)} with Dask")
    options = read_options or ReadOptions()
    model = str(Path(model if model is not None else default_model_dir()).resolve())
    card = read_card(model)
    start = time.perf_counter()
    parts, kind = dataset_partitions(dataset, options)
    if "://" not in str(out_dir):  # workers may not share this process's working directory
        out_dir = str(Path(out_dir).resolve())
    _prepare_out_dir(out_dir)
    if card.get("uses_site_stats") or _worker_sifter(model, threshold).uses_site_stats:
        if site_stats is None:
            site_stats = count_site_lines_dask(parts, kind, options)
        site_stats = client.scatter(site_stats, broadcast=True)
    tasks = [_filter_task(part, i, kind, out_dir, out_format, model, threshold, scores,
                          options, site_stats) for i, part in enumerate(parts)]
    stats = _gather(client, tasks, progress)
    stats.seconds = time.perf_counter() - start
    return stats


def _gather(client, tasks, progress):
    """Run the partition tasks; FilterStats summed over them as they finish."""
    from distributed import as_completed

    from .progress import advance

    stats = FilterStats()
    for future in as_completed(client.compute(tasks)):
        done = future.result()
        stats.files += 1
        stats.pages += done["pages"]
        stats.lines += done["lines"]
        stats.kept += done["kept"]
        stats.bytes += done["bytes"]
        stats.skipped.extend(tuple(s) for s in done["skipped"])
        advance(progress, done["pages"], done["lines"])
    return stats


def dataset_partitions(dataset, options):
    """Delayed partitions of `dataset` and their kind ('jsonl': lists of (line, path);
    'parquet': pandas DataFrames with Arrow types)."""
    import dask.bag as db
    import dask.dataframe as dd

    kind = dataset_format(dataset)
    if kind == "parquet":
        try:
            frame = dd.read_parquet(str(dataset), dtype_backend="pyarrow", index=False)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise InputError(dataset, f"not a readable Parquet dataset ({exc})") from None
        return frame.to_delayed(), kind
    try:
        parts = db.read_text(str(dataset), encoding=options.encoding or "utf-8",
                             collection=False, include_path=True)
    except (OSError, ValueError) as exc:
        raise InputError(dataset, f"cannot read ({exc})") from None
    if not parts:
        raise InputError(dataset, "matches no files")
    return parts, kind


def _prepare_out_dir(out_dir):
    from fsspec.core import url_to_fs

    fs, path = url_to_fs(str(out_dir))
    if fs.exists(path) and not fs.isdir(path):
        raise LinesiftError(f"{out_dir} exists and is not a directory")
    fs.makedirs(path, exist_ok=True)
    old = [p for p in fs.ls(path, detail=False) if Path(p).name.startswith("part.")]
    if old:
        raise LinesiftError(f"{out_dir} already holds {len(old)} part files from an earlier run; "
                            "remove them or give another output directory")


def _filter_task(part, index, kind, out_dir, out_format, model, threshold, scores, options,
                 site_stats):
    import dask

    return dask.delayed(filter_partition, pure=False)(
        part, index, kind, out_dir, out_format, model, threshold, scores, options, site_stats)


def filter_partition(part, index, kind, out_dir, out_format, model, threshold, scores, options,
                     site_stats=None):
    """Filter one partition into ``out_dir/part.<index>.<format>``; returns counts (a dict)."""
    sifter = _worker_sifter(model, threshold)
    skipped = []
    pages = partition_pages(part, index, kind, options, skipped)
    counts = {"pages": 0, "lines": 0, "kept": 0, "bytes": 0}
    with _part_target(out_dir, PART_NAME.format(index, out_format)) as target:
        with RecordWriter(target, fmt=out_format) as writer:
            for sifted in sifter.sift_pages(pages, site_stats=site_stats):
                writer.write(sifted_to_record(sifted, options, scores))
                counts["pages"] += 1
                counts["lines"] += len(sifted.page.lines)
                counts["kept"] += sum(sifted.keep)
                counts["bytes"] += len(sifted.page.text)
    return {**counts, "skipped": skipped}


def partition_pages(part, index, kind, options, skipped):
    """Yield the Pages of one partition, as the single-process readers would build them."""
    if kind == "parquet":
        import pyarrow as pa

        rows = pa.Table.from_pandas(part, preserve_index=False).to_pylist()
        where = [(f"partition {index}", n) for n in range(1, len(rows) + 1)]
        return _pages(rows, where, options, skipped)
    return _pages_from_lines(part, options, skipped)


def _pages_from_lines(lines, options, skipped):
    line_no, current = 0, None
    for raw, path in lines:
        if path != current:
            line_no, current = 0, path
        line_no += 1
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise ValueError(f"expected a JSON object, got {type(record).__name__}")
        except ValueError as exc:
            if _skip(options, skipped, path, line_no, f"malformed JSON ({exc})"):
                continue
        yield from _pages([record], [(path, line_no)], options, skipped)


def _pages(records, where, options, skipped):
    for record, (path, line_no) in zip(records, where):
        try:
            yield page_from_record(record, options, default_id=f"{path}:{line_no}")
        except ValueError as exc:
            _skip(options, skipped, path, line_no, str(exc))


def _skip(options, skipped, path, line_no, reason):
    if options.on_error != "skip":
        raise InputError(path, reason, line=line_no)
    skipped.append((str(path), line_no, reason))
    return True


@contextmanager
def _part_target(out_dir, name):
    """A local path to write a part file to; uploaded to `out_dir` when that is a URL."""
    from fsspec.core import url_to_fs

    fs, root = url_to_fs(str(out_dir))
    if getattr(fs, "protocol", None) in ("file", ("file", "local")) or "://" not in str(out_dir):
        yield Path(root) / name
        return
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / name
        yield local
        fs.put_file(str(local), f"{root.rstrip('/')}/{name}")


def _worker_sifter(model, threshold):
    """The model of this worker process, loaded once (and again only if its file changes)."""
    from .model import read_card
    from .sift import load

    key = (os.path.realpath(model), read_card(model).get("sha256"), threshold)
    if key not in _SIFTERS:
        _SIFTERS[key] = load(model, threshold=threshold)
    return _SIFTERS[key]


# --- site statistics as a distributed group-by ----------------------------------------------

def count_site_lines_dask(parts, kind, options):
    """Site line counts over the partitions: a Dask group-by over (domain, line hash).

    Returns
    -------
    SiteStats
        Gathered on the client: domain page counts and the lines on 2+ pages of their site.
    """
    import dask
    import dask.dataframe as dd

    from .features.site import SiteStats, site_rows

    rows = [dask.delayed(_partition_site_rows)(part, i, kind, options)
            for i, part in enumerate(parts)]
    meta = site_rows([])
    frame = dd.from_delayed(rows, meta=meta, verify_meta=False)
    counts = frame.groupby(["domain", "line_hash"])["pages"].sum(split_out=len(parts))
    counts = counts.reset_index()
    kept = counts.map_partitions(_repeated_rows, meta=counts._meta)
    return SiteStats.from_counts(kept.compute())


def _repeated_rows(counts):
    """Domain rows and lines on 2+ pages: what is gathered on the client."""
    from .features.site import DOMAIN_ROW

    return counts[(counts["pages"].to_numpy() >= 2)
                  | (counts["line_hash"].to_numpy() == DOMAIN_ROW)]


def _partition_site_rows(part, index, kind, options):
    from dataclasses import replace

    from .features.site import site_rows

    options = replace(options, skipped=[])
    return site_rows(partition_pages(part, index, kind, options, []))


def run_dask_filter(dataset, out_dir, model, *, scheduler=None, workers=None, **kwargs):
    """Start or join a cluster and run :func:`filter_dataset` on it; returns FilterStats."""
    if out_dir is None:
        raise LinesiftError("--engine dask writes one file per partition: give -o OUTDIR")
    with dask_client(scheduler, workers) as client:
        return filter_dataset(dataset, out_dir, model, client=client, **kwargs)
