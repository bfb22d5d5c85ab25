"""Test-session settings shared by every test module.

Input:  nothing.
Output: an autouse fixture that keeps mlc's per-user cache (the measured machine speed, ``runtime.machine``) in
        a temporary folder, so that tests never read or write the user's ``~/.cache/mlc``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory):
    patch = pytest.MonkeyPatch()
    patch.setenv("MLC_CACHE_DIR", str(tmp_path_factory.mktemp("mlc-cache")))
    yield
    patch.undo()
