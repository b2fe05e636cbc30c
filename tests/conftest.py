"""Shared fixtures: tiny generated data sets (seconds, never downloads) and
tiny network configs on disk."""
import os
import os.path as osp
from typing import Callable

import cv2
import numpy as np
import pytest
import torch

from mofme_mm.datasets.cityscapes_naming import RAIN_PARAMS
from mofme_mm.datasets.synthesis import make_toy_cityscapes

TOY_KWARGS = dict(
    num_train=4, num_val=2, size=(128, 64), seed=0,
    train_cities=('aachen', 'bochum'), val_cities=('lindau', ),
    rain_params=RAIN_PARAMS[:2], patterns=(1, 2), fog_betas=(0.01, 0.02))


@pytest.fixture(scope='session')
def toy_cityscapes_root(tmp_path_factory) -> str:
    """A tiny toy Cityscapes tree (real layout and names).

    2 train cities (aachen, bochum) x 2 frames, 1 val city (lindau) x 2
    frames, 128 x 64 frames; rain for the first two RainCityscapes triples and
    patterns 1, 2; fog for betas 0.01, 0.02; disparity, camera, gtFine
    labelTrainIds and foggy_trainval_refined_filenames.txt. Read-only: copy
    it before modifying files.
    """
    root = str(tmp_path_factory.mktemp('toy_cityscapes'))
    make_toy_cityscapes(root, **TOY_KWARGS)
    return root


@pytest.fixture(scope='session')
def toy_allweather_root(tmp_path_factory) -> str:
    """A tiny All-Weather tree: ``allweather/{input,gt}`` + list files.

    ``allweather.txt`` mixes Outdoor-Rain style (``im_0001_s80_a04.png``),
    Snow100K style (``beautiful_smile_00001.jpg``) and RainDrop style (``0_rain.png``)
    names; ``test1.txt``, ``snowtest100k_L.txt`` and ``raindroptesta.txt``
    list 2 inputs each. Images are 48 x 40 (W x H). Read-only.
    """
    root = str(tmp_path_factory.mktemp('toy_allweather'))
    rng = np.random.default_rng(0)
    lists = dict(
        allweather=['im_0001_s80_a04.png', 'beautiful_smile_00001.jpg', '0_rain.png',
                    '1_rain.png'],
        test1=['im_0002_s85_a05.png', 'im_0003_s90_a06.png'],
        snowtest100k_L=['city_read_00001.jpg', 'city_read_00002.jpg'],
        raindroptesta=['2_rain.png', '3_rain.png'])
    for list_name, names in lists.items():
        folder = 'allweather' if list_name == 'allweather' else list_name
        lines = []
        for name in names:
            gt = rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)
            noisy = np.clip(gt.astype(int) + rng.integers(
                -30, 31, gt.shape), 0, 255).astype(np.uint8)
            for sub, img in (('input', noisy), ('gt', gt)):
                os.makedirs(osp.join(root, folder, sub), exist_ok=True)
                cv2.imwrite(osp.join(root, folder, sub, name), img,
                            [cv2.IMWRITE_JPEG_QUALITY, 100])
            lines.append(f'./{folder}/input/{name}')
        with open(osp.join(root, f'{list_name}.txt'), 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return root


@pytest.fixture(autouse=True)
def fresh_mmengine_globals():
    """Tools run in-process create mmengine's global logger, visualiser and
    default scope; a later test must not inherit them (their streams point
    at an earlier test's captured stdout; a runner's ``mmengine`` scope
    sends registry builds to mmengine's root registries)."""
    yield
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope
    from mmengine.visualization import Visualizer
    MMLogger._instance_dict.clear()
    Visualizer._instance_dict.clear()
    DefaultScope._instance_dict.clear()


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


@pytest.fixture
def mm_log():
    """Messages logged to mmengine's current logger during the test."""
    import logging

    from mmengine.logging import MMLogger

    messages = []
    handler = logging.Handler()
    handler.emit = lambda record: messages.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield messages
    logger.removeHandler(handler)


@pytest.fixture
def recording_backend():
    """A vis backend keeping the ``(name, image, step)`` it receives (stands
    for TensorBoard / W&B)."""
    from mmengine.visualization import BaseVisBackend

    class RecordingVisBackend(BaseVisBackend):

        def __init__(self, save_dir=None):
            super().__init__(save_dir)
            self.images = []

        @property
        def experiment(self):
            return self

        def _init_env(self):
            pass

        def add_image(self, name, image, step=0, **kwargs):
            self.images.append((name, image.copy(), step))

    return RecordingVisBackend()


@pytest.fixture
def cpu_bf16(monkeypatch):
    """Let ``precision='bf16'`` run on this CPU, with or without oneDNN's
    bf16 support.

    Where the CPU has it (AVX-512 and up) nothing changes. Where it does not
    (AVX2 only), the restorer's refusal (tested on its own in
    ``test_precision.py``) is lifted for the test: PyTorch then runs the same
    bf16 autocast in its reference kernels, slowly but with bf16 numbers, so
    the bf16 code paths are checked on every machine.

    Returns:
        bool: whether the refusal was lifted (a child process needs the same:
        see ``test_precision_flags.py``).
    """
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        return False
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported',
                        lambda: True)
    return True
