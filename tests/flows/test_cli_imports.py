"""A wrong command is refused before Prefect, Dask or the matcher are imported: building the
parser and running the checks must stay cheap, or every typo costs the operator seconds."""

import subprocess
import sys


def test_building_the_parser_imports_no_prefect_or_dask():
    code = (
        "import sys; from flows import cli; cli.build_parser(); "
        "heavy = sorted(m for m in ('prefect', 'dask', 'distributed', 'rapidfuzz') if m in sys.modules); "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_refused_run_imports_no_prefect(tmp_path):
    code = (
        "import sys; from flows import cli\n"
        f"rc = cli.main(['run', '--quarter', '2026-Q1', '--db', r'{tmp_path / 'tidak_ada.duckdb'}'])\n"
        "print(rc, 'prefect' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split()[-2:] == ["2", "False"], out.stdout + out.stderr
    assert out.stderr.count("pdpb:") == 1
