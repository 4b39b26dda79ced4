"""The scripts in examples/ run as users would run them."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_property_test_example_passes(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO), CI="true")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
                          str(REPO / "examples" / "property_test_theorem_4_1.py")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]   # 0: tests ran and passed
