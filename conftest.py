# Fixtures every test needs, whatever folder it is in (see the module's docstring).
pytest_plugins = ["tests.fixtures_security"]
