"""Shared fixtures: a small real sample of labelled pages and a tiny model trained on it."""

import gzip
import json
from pathlib import Path

import pytest

from linesift import Page

pytest_plugins = ["annotate_fixtures"]

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample_pages.jsonl.gz"
EXAMPLE_PAGE = Path(__file__).parent.parent / "examples" / "doingbuzz-fr.txt"


def get_page(text="Home | News\nA sentence of the article.\n\n© 2024", **meta):
    """Factory: a Page with sensible defaults."""
    page_id = meta.pop("id", "p1")
    labels = meta.pop("labels", None)
    return Page(id=page_id, text=text, meta=meta, labels=labels)


def tampered_copy(model_dir, file_name, dest):
    """A copy of a model directory whose model file has one byte appended (its card unchanged)."""
    import shutil

    shutil.copytree(model_dir, dest)
    with open(Path(dest) / file_name, "ab") as fh:
        fh.write(b"\0")
    return Path(dest)


def sample_records():
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="session")
def sample_path():
    return SAMPLE


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A real model trained on the committed sample (no CV: a few seconds)."""
    from linesift.recipe import Recipe

    return train_sample_model(tmp_path_factory.mktemp("models") / "tiny", Recipe())


def train_sample_model(out, recipe):
    """Train `recipe` on the committed sample into `out`, without CV (seconds)."""
    from threadpoolctl import threadpool_limits

    from linesift.train.fit import train_model

    with threadpool_limits(limits=1):  # OpenMP threads on a busy 2-core machine are slower
        train_model([str(SAMPLE)], out, folds=0, progress=False, recipe=recipe)
    return out


NAV = "Home | News | Sport | Contact"
FOOTER = "© 2024 Example Media. All rights reserved."


def site_page(site, n, *, labels=False):
    """Factory: page `n` of `site`, with the site's menu and footer around its own article."""
    article = [f"Article {n} of {site} tells a story in a few full sentences.",
               f"It goes on about topic number {n} at some length, as articles do."]
    lines = [NAV, f"Latest from {site}", *article, FOOTER]
    page_labels = ["boilerplate", "boilerplate", "content", "content", "boilerplate"]
    return get_page("\n".join(lines), id=f"{site}/{n}", domain=site,
                    labels=page_labels if labels else None)


def site_pages(sites=("a.example", "b.example"), per_site=4, **kwargs):
    return [site_page(s, n, **kwargs) for s in sites for n in range(per_site)]


def write_site_training_data(path):
    records = sample_records()
    for page in site_pages(sites=[f"s{i}.example" for i in range(4)], per_site=5, labels=True):
        records.append({"id": page.id, "domain": page.domain, "text": page.text,
                        "labels": page.labels})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
