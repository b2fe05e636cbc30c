"""A tiny real restorer (MoFMEViT, FME experts, UaR router) on disk."""
import copy
from typing import Tuple

import pytest
import torch
from api_samples import TINY_RESTORER
from mmengine.registry import DefaultScope

from mofme_mm.registry import MODELS


@pytest.fixture(scope='session')
def tiny_restorer_files(tmp_path_factory) -> Tuple[str, str]:
    """``(config path, checkpoint path)`` of a randomly initialised restorer.

    The checkpoint is written as mmengine writes one (``state_dict`` +
    ``meta``).
    """
    tmp = tmp_path_factory.mktemp('tiny_restorer')
    config = tmp / 'tiny_restorer.py'
    config.write_text(f'model = {TINY_RESTORER!r}\n')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        model = MODELS.build(copy.deepcopy(TINY_RESTORER))
    checkpoint = tmp / 'tiny_restorer.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return str(config), str(checkpoint)


@pytest.fixture(scope='session')
def tiny_restorer(tiny_restorer_files):
    """The tiny restorer loaded through ``init_restorer``."""
    from mofme_mm.apis import init_restorer

    return init_restorer(*tiny_restorer_files, device='cpu')
