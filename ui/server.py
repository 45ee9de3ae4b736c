"""Start the app: ``python -m ui.server [streamlit options]`` = ``streamlit run app.py``, safely.

Streamlit takes a ``pages/`` folder beside the main script for an old-style multipage app
until the script first calls ``st.navigation``. On a server that has just started, a deep
link such as ``/users`` would therefore run ``pages/users_admin.py`` without app.py and its
login gate. app.py always navigates with ``st.navigation``, so that mode is switched off
before the server starts; ``make run`` and the browser tests start the app this way.
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

APP = Path(__file__).resolve().parents[1] / "app.py"


def main(options: list[str]) -> None:
    PagesManager.uses_pages_directory = False
    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
