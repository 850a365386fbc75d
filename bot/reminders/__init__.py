"""Session reminders: the plan, when each reminder falls due, firing them, and following changes.

plan.py            a course's plan, from the course or from settings
schedule.py        one due time per (session, kind), kept in step with the session
firing.py          the "fire due reminders" pass the worker runs
wording.py         what a reminder, a change notice or a follow-up says
session_changes.py moving and cancelling sessions, taking a booking off
rsvp.py            reading the answer to "are you coming?"
"""
