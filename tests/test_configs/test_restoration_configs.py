"""The shipped restoration pipelines name a broken input file."""
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.mark.parametrize('config', [
    'configs/toy/mofme_raincityscapes_toy.py',
    'configs/mofme_raincityscapes.py',
    'configs/mofme_allweather.py',
])
def test_train_pipeline_names_a_corrupt_input(tmp_path, config):
    cfg = Config.fromfile(osp.join(REPO, config))
    init_default_scope(cfg.default_scope)
    dataset = cfg.train_dataloader.dataset
    pipeline = Compose((dataset.get('datasets') or [dataset])[0].pipeline)
    broken = tmp_path / 'aachen_000000_000019_leftImg8bit_rain.png'
    broken.write_bytes(b'')
    gt_path = tmp_path / 'aachen_000000_000019_leftImg8bit.png'
    cv2.imwrite(str(gt_path), np.zeros((300, 300, 3), np.uint8))
    with pytest.raises(OSError, match=broken.name):
        pipeline(dict(img_path=str(broken), gt_path=str(gt_path)))
