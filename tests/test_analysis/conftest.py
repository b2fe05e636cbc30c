"""Fixtures for the analysis tests: tiny network configs on disk."""
from typing import Callable

import pytest


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
    """Return ``f(name, network, wrap=False, test_cfg=None) -> path``."""

    def write(name: str, network: dict, wrap: bool = False,
              test_cfg: dict = None) -> str:
        model = network
        if wrap:
            model = dict(type='DeweatherRestorer', network=network)
            if test_cfg:
                model['test_cfg'] = test_cfg
        path = tmp_path / f'{name}.py'
        path.write_text(f'model = {model!r}\n')
        return str(path)

    return write
