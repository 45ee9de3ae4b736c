"""The shared vocabulary every layer may import and that imports none of them (DESIGN §2):
SLA policies with their calendars, and report periods."""
