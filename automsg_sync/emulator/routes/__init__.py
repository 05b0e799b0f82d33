"""The emulator's routes, a Flask blueprint per LivePerson API, plus the test hooks.

``create_app`` (``emulator/app.py``) registers them all on one app; each finds its
emulator's state through :func:`automsg_sync.emulator.context.current`.
"""
