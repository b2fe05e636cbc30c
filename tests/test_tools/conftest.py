"""Fixtures for the tools tests: loading a tool of tools/analysis."""
import importlib.util
import os.path as osp
from types import ModuleType
from typing import Callable

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='session')
def load_tool() -> Callable[[str], ModuleType]:
    """Return ``f(name) -> module`` importing ``tools/analysis/<name>.py``."""

    def load(name: str) -> ModuleType:
        path = osp.join(REPO, 'tools', 'analysis', f'{name}.py')
        spec = importlib.util.spec_from_file_location(f'tool_{name}', path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return load
