"""Every command imports only what it uses: `linesift --help` starts without scikit-learn,
pandas, the Label Studio SDK, Dask or matplotlib; `linesift filter` without the last three."""

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


def test_filter_imports_no_label_studio_dask_or_plots():
    loaded = _imported("filter", "-q", str(PAGE))
    assert "sklearn" in loaded  # it did score the page
    assert not loaded & {"label_studio_sdk", "dask", "distributed", "matplotlib", "datatrove",
                         "httpx"}
