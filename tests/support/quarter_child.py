"""Runs one quarter without Prefect in a child process, for the crash-safety and one-writer tests.

Usage: python tests/support/quarter_child.py QUARTER INBOX DB OUT
Prints APPLY_START just before the apply transaction begins (flushed), so a test can kill
the process inside it; PDPB_JEDA_TERAPKAN widens that window.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

from flows import quarter as q
from transforms.errors import InputError


def main(argv: list[str]) -> int:
    quarter, inbox, db, out = argv
    logging.basicConfig(level=logging.WARNING)

    def apply(*args):
        print("APPLY_START", flush=True)
        return q.apply(*args)

    steps = q.Steps(ingest=q.ingest, match=q.match, decide=q.decide, apply=apply, reports=q.write_reports, publish=q.publish)
    try:
        result = q.run_quarter(quarter=quarter, inbox=Path(inbox), db=Path(db), out=Path(out), steps=steps,
                               logger=logging.getLogger("pdpb"))
    except InputError as exc:
        print(f"INPUT_ERROR {exc}", flush=True)
        return 2
    print("RESULT " + json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
