"""Every command imports only what it uses: `linesift --help` starts without scikit-learn,
pandas, the Label Studio SDK, Dask or matplotlib; `linesift filter` and `explain` with the
shipped model (its compact scorer) without any of them, nor scipy or joblib."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "examples" / "doingbuzz-fr.txt"
PROBE = """
import json, sys
sys.argv = ["linesift", *json.loads(sys.argv[1])]
from linesift.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})), file=sys.stderr)
"""


def _imported(*args):
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(args))], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    return set(json.loads(run.stderr.strip().splitlines()[-1]))


def test_help_imports_nothing_heavy():
    loaded = _imported("--help")
    assert "typer" in loaded  # the probe saw the CLI run
    assert not loaded & {"sklearn", "pandas", "scipy", "label_studio_sdk", "dask",
                         "distributed", "matplotlib", "http", "datatrove"}


NOT_FOR_FILTERING = {"sklearn", "pandas", "scipy", "joblib", "pyarrow", "threadpoolctl",
                     "label_studio_sdk", "dask", "distributed", "matplotlib", "datatrove", "httpx"}


def test_filter_imports_numpy_and_nothing_heavy(tmp_path):
    out = tmp_path / "out.txt"
    loaded = _imported("filter", "-q", str(PAGE), "-o", str(out))
    assert "Poutine" in out.read_text(encoding="utf-8")  # it did score the page
    assert "numpy" in loaded
    assert not loaded & NOT_FOR_FILTERING


def test_explain_imports_nothing_heavy():
    loaded = _imported("explain", str(PAGE))
    assert "numpy" in loaded
    assert not loaded & NOT_FOR_FILTERING
