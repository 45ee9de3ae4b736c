"""A browser-less Streamlit session: speaks the app's own websocket protocol (the protobuf
messages that ship in the streamlit package), as the browser's frontend does.

It lets one process drive tens of sessions at once against a real server, so a load test
measures the server (script runs, queries, caches, the database) and not Chromium's rendering
on the same two cores. A script run ends with ``script_finished``; everything it drew came
before, so the time to that message is the time to the page's last chart on the wire.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

FINISHED = ForwardMsg.ScriptFinishedStatus
RUN_TIMEOUT_S = 600


@dataclass
class Run:
    """What one script run sent: its elements by type, and how long it took."""

    seconds: float
    elements: list = field(default_factory=list)  # (type, element proto)

    def of(self, kind: str) -> list:
        return [element for name, element in self.elements if name == kind]

    @property
    def charts(self) -> int:
        return len(self.of("plotly_chart"))

    @property
    def exceptions(self) -> list[str]:
        """Tracebacks shown on the page: what a user must never see."""
        return [f"{e.exception.type}: {e.exception.message}" for e in self.of("exception")]

    @property
    def alerts(self) -> list[str]:
        return [e.alert.body for e in self.of("alert")]

    def widget(self, kind: str, label: str):
        for element in self.of(kind):
            if getattr(element, kind).label == label:
                return getattr(element, kind)
        raise LookupError(f"no {kind} labelled {label!r} in this run")


class StreamlitSession:
    """One browser tab's session: ``await session.open(url)``, then ``rerun`` / ``switch_page``."""

    def __init__(self, base_url: str, query: str = "") -> None:
        self.ws_url = base_url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.query = query
        self.pages: dict[str, str] = {}  # url path → page script hash, from the navigation message
        self.page_hash = ""
        self._ws = None

    async def open(self) -> Run:
        self._ws = await websockets.connect(
            self.ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60
        )
        return await self.rerun()

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()

    async def switch_page(self, url_path: str) -> Run:
        self.page_hash = self.pages[url_path]
        return await self.rerun()

    async def press(self, run: Run, button: str, fill: dict[str, str] | None = None) -> Run:
        """Type into the text fields labelled as in ``fill``, then press ``button`` (a form's
        submit button sends the form's fields with it, as here)."""
        states = [
            WidgetState(id=_text_field(run, label).id, string_value=value)
            for label, value in (fill or {}).items()
        ]
        states.append(WidgetState(id=run.widget("button", button).id, trigger_value=True))
        return await self.rerun(states)

    async def rerun(self, widget_states: list[WidgetState] = ()) -> Run:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.widget_states.widgets.extend(widget_states)
        start = time.perf_counter()
        await self._ws.send(message.SerializeToString())
        return await self._until_finished(start)

    async def _until_finished(self, start: float) -> Run:
        elements = []
        while True:
            raw = await _receive(self._ws, start)
            msg = ForwardMsg.FromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                elements.append((element.WhichOneof("type"), element))
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "script_finished":
                if msg.script_finished == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    elements = []  # st.rerun(): the next run is the one the user sees
                    continue
                return Run(time.perf_counter() - start, elements)


def _text_field(run: Run, label: str):
    try:
        return run.widget("text_input", label)
    except LookupError:
        return run.widget("text_area", label)


async def _receive(ws, start: float) -> bytes:
    remaining = RUN_TIMEOUT_S - (time.perf_counter() - start)
    return await asyncio.wait_for(ws.recv(), timeout=max(remaining, 1))
