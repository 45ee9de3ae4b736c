"""``manage.py`` for the command-line tests, two ways:

- ``manage(*args)``: its ``main()`` in this process. The same parser, code, output and exit
  codes as a process of its own, without the second that each start costs (imports, and a
  Chrome for the charts of an export).
- ``manage_process(*args)``: ``python manage.py`` in a process of its own, as a user or cron
  runs it, for what only a process shows: being killed, a file another process holds, its
  memory, several at once.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import traceback
from pathlib import Path

import manage as manage_py

ROOT = Path(__file__).resolve().parents[1]
COMMAND = [sys.executable, str(ROOT / "manage.py")]


def manage(*args: str) -> subprocess.CompletedProcess:
    """``python manage.py ARGS`` run through ``manage.main`` here: its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = manage_py.main(list(args))
        except SystemExit as exc:  # argparse refusing the arguments
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:  # what the interpreter does with an exception nobody caught
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess([*COMMAND, *args], code, out.getvalue(), err.getvalue())


def manage_process(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python manage.py ARGS`` in a process of its own; its exit code and output."""
    return subprocess.run([*COMMAND, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
