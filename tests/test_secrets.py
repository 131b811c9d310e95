"""A Label Studio key is never printed: not in retries, errors or warnings, however it is
mistyped (a trailing CR or LF, a non-breaking space, non-ASCII), and a key on the command line
is used with a warning."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "5f3a9c0e1d2b4a6f8e7d5c3b1a0f9e8d7c6b5a49"


def _run(args, key, tmp_path):
    env = {**os.environ, "LABEL_STUDIO_URL": "http://127.0.0.1:9",  # nothing listens there
           "LABEL_STUDIO_API_KEY": key}
    return subprocess.run([sys.executable, "-m", "linesift.cli", *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("key", [SECRET + "\r", SECRET + "\n", " " + SECRET + "\r\n",
                                 SECRET[:20] + "\u00a0" + SECRET[20:], "ключ" + SECRET,
                                 SECRET[:10] + "\t" + SECRET[10:]])
def test_a_mistyped_key_is_never_printed(key, tmp_path):
    result = _run(["annotate", "pull", "--project", "p", "-o", str(tmp_path / "l.jsonl")], key,
                  tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    for part in (key, key.strip(), SECRET, SECRET[:12], SECRET[-12:]):
        assert part not in output
    assert "Traceback" not in output
    assert output.count("linesift: error:") == 1


def test_a_key_on_the_command_line_is_used_with_a_warning(tmp_path):
    result = _run(["annotate", "pull", "--project", "p", "-o", str(tmp_path / "l.jsonl"),
                   "--api-key", SECRET], "", tmp_path)
    output = result.stdout + result.stderr
    assert "warning: --api-key shows the key" in output
    assert SECRET not in output and result.returncode == 1
