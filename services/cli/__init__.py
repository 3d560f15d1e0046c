"""The ``involve`` command line: run the platform locally, manage plugins and migrations."""
