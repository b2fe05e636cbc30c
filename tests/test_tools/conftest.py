"""Fixtures for the tools tests: tiny network configs and tool loading."""
import importlib.util
import os.path as osp
from types import ModuleType
from typing import Callable

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tiny_network(ffn: str = 'fme', num_experts: int = 4,
                  router: str = 'topk') -> dict:
    """A MoFMEViT config small enough for sub-second CPU steps."""
    ffn_cfg = dict(type=ffn)
    if ffn != 'dense':
        ffn_cfg.update(num_experts=num_experts, top_k=2)
    return dict(type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
                mlp_ratio=2.0, patch_size=4, head_channels=4, tail_channels=4,
                ffn_cfg=ffn_cfg, router_cfg=dict(type=router))


@pytest.fixture(scope='session')
def tiny_network() -> Callable[..., dict]:
    """Return ``f(ffn='fme', num_experts=4, router='topk') -> network cfg``."""
    return _tiny_network


@pytest.fixture
def write_config(tmp_path) -> Callable[..., str]:
    """Return ``f(name, network, wrap=False) -> path`` writing a config file."""

    def write(name: str, network: dict, wrap: bool = False) -> str:
        model = dict(type='DeweatherRestorer', network=network) if wrap else network
        path = tmp_path / f'{name}.py'
        path.write_text(f'model = {model!r}\n')
        return str(path)

    return write


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
