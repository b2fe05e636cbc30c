"""Fixtures of the models/utils tests."""
import pytest
import torch
from holder_models import restorer_cfg


@pytest.fixture
def restorer_checkpoint(tmp_path):
    """Return ``f(**restorer_cfg_kwargs) -> (path, state_dict)`` of a
    restorer whose weights differ from a fresh build."""
    from mmengine.runner import save_checkpoint

    from mofme_mm.registry import MODELS

    def make(name='restorer', **kwargs):
        restorer = MODELS.build(restorer_cfg(**kwargs))
        with torch.no_grad():
            for param in restorer.parameters():
                param.add_(0.25)
        path = tmp_path / f'{name}.pth'
        save_checkpoint(dict(state_dict=restorer.state_dict()), str(path))
        return str(path), restorer.state_dict()

    return make
