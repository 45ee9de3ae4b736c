"""The shared vocabulary every layer may import and that imports none of them (DESIGN §2):
the names of ticket kinds, priorities and statuses, roles, report kinds and states
(vocabulary.py), SLA policies with their calendars (policy.py), and report periods."""
