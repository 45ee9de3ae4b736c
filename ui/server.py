"""Start the app: ``python -m ui.server [streamlit options]``, i.e. ``streamlit run ui/web.py``
(app.py plus the route that sets the HttpOnly login cookie), safely.

Streamlit takes a ``pages/`` folder beside the main script for an old-style multipage app
until the script first calls ``st.navigation``. On a server that has just started, a deep
link such as ``/users`` would therefore run ``pages/users_admin.py`` without app.py and its
login gate. app.py always navigates with ``st.navigation``, so that mode is switched off
before the server starts; ``make run`` and the browser tests start the app this way.

It also computes every project's overview in the background as the server starts
(ui/warmup.py), so the first visitor does not wait for cold queries, and runs the scheduled
duties every few minutes (ui/scheduler.py) once the warm-up is done, in the same thread.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

WEB_APP = Path(__file__).resolve().parent / "web.py"


def main(options: list[str]) -> None:
    PagesManager.uses_pages_directory = False
    threading.Thread(target=_background, name="warm-up-and-duties", daemon=True).start()
    sys.argv = ["streamlit", "run", str(WEB_APP), *options]
    cli.main()


def _background() -> None:
    from ui import scheduler, warmup  # imported here: the app's modules load while the server starts

    warmup.warm_when_ready()
    scheduler.run_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
