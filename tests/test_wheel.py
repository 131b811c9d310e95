"""The wheel holds everything a user needs outside a checkout: `pip install` of it into a fresh
virtual environment gives a `linesift` that filters a page with the shipped default model.

The fresh environment gets linesift from the wheel only; its dependencies (scikit-learn,
pandas, ...) come from the test environment's site-packages through a path file, so the test
needs no download and the checkout is on no path.
"""

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "examples" / "doingbuzz-fr.txt"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    [built] = out.glob("linesift-*.whl")
    return built


def test_wheel_installs_linesift_annotate_and_train_under_linesift_and_the_default_model(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"linesift"}
    for needed in ("linesift/annotate/client.py", "linesift/train/fit.py",
                   "linesift/models/default/model.joblib", "linesift/models/default/card.json",
                   "linesift/cli/__init__.py", "linesift/features/__init__.py",
                   "linesift/py.typed", "linesift/datatrove.py"):
        assert needed in names, needed


def test_installed_wheel_filters_a_page_outside_the_checkout(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    deps = sysconfig.get_path("purelib")  # this environment's: scikit-learn, pandas, ...
    (Path(site) / "linesift-test-deps.pth").write_text(deps + "\n")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    run = subprocess.run([env / "bin" / "linesift", "filter", str(PAGE), "-q"], cwd=work,
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    where = subprocess.run([python, "-c", "import linesift, linesift.annotate, linesift.train; "
                            "from linesift.model import default_model_dir; "
                            "print(linesift.__file__); print(default_model_dir())"],
                           cwd=work, capture_output=True, text=True, check=True).stdout.split()
    assert all(Path(p).is_relative_to(site) for p in where), where
    kept = [line for line in run.stdout.split("\n") if line]
    article = "Le ministre russe des Affaires étrangères a affirmé"
    assert any(line.startswith(article) for line in kept)
    assert len(kept) < len(PAGE.read_text(encoding="utf-8").split("\n"))


def test_the_wheels_model_answers_to_default_outside_the_checkout(wheel, tmp_path):
    """`--model default`, `evaluate -m default` and `train --base default` work for a wheel's
    user, in a folder with no models/ of its own."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "linesift-test-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    labels = work / "mine.jsonl"
    lines = ["Home | News", "A sentence of the article, long enough to read as one.",
             "Another sentence of it, with words the first did not use.", "© 2024 Site"]
    with open(labels, "w", encoding="utf-8") as fh:
        for n in range(3):
            fh.write(__import__("json").dumps({
                "id": f"p{n}", "domain": "mine.example", "text": "\n".join(lines),
                "labels": ["boilerplate", "content", "content", "boilerplate"]}) + "\n")
    linesift = str(env / "bin" / "linesift")
    clean = {"PATH": "/usr/bin:/bin"}
    for args in (["filter", str(PAGE), "-q", "--model", "default"],
                 ["evaluate", str(labels), "-m", "default"],
                 ["train", str(labels), "--base", "default", "-o", str(work / "m")]):
        run = subprocess.run([linesift, *args], cwd=work, capture_output=True, text=True,
                             env=clean)
        assert run.returncode == 0, (args, run.stderr)
    card = __import__("json").loads((work / "m" / "card.json").read_text())
    assert card["base"]["path"] == "default"
    stdin = subprocess.run([linesift, "filter", "-q", "--model", "default"], cwd=work,
                           input=labels.read_text(), capture_output=True, text=True, env=clean)
    assert stdin.returncode == 0, stdin.stderr
