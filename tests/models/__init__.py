"""The Coqui models the tests build in the run, from random weights: no download, no network.

- tiny.py: tiny VITS models with the real architecture and loading (the `tiny` fixture in
  tests/conftest.py), about 1 MB each;
- replicas.py: replicas of the real models the voice presets name, to their shapes and laid out
  where Coqui's download puts them (tests/engines/coqui/test_real_models.py).

Imported as `models` (pyproject.toml puts tests/ on the path: `from models.tiny import ...`).
"""
