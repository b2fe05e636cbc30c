"""init_restorer(..., precision=...): the Python API's precision setting."""
import numpy as np
import pytest
import torch

from mofme_mm.apis import init_restorer, restore_images


def test_init_restorer_sets_test_cfg_precision(tiny_restorer_files,
                                               cpu_bf16):
    model = init_restorer(*tiny_restorer_files, device='cpu',
                          precision='bf16')
    assert model.test_cfg['precision'] == 'bf16'
    assert model.cfg.model.test_cfg['precision'] == 'bf16'
    reference = init_restorer(*tiny_restorer_files, device='cpu')
    assert reference.test_cfg['precision'] == 'fp32'
    image = np.random.default_rng(0).integers(0, 256, (24, 40, 3),
                                              dtype=np.uint8)
    low, full = restore_images(model, image), restore_images(reference, image)
    assert low.dtype == np.uint8 and low.shape == image.shape
    # bf16 changes some pixels by a grey level or a few, not the picture
    assert np.abs(low.astype(int) - full.astype(int)).max() <= 8


def test_init_restorer_refuses_an_unknown_or_unsupported_precision(
        tiny_restorer_files, monkeypatch):
    with pytest.raises(ValueError, match='precision must be one of'):
        init_restorer(*tiny_restorer_files, precision='fp8')
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_fp16_supported',
                        lambda: False)
    with pytest.raises(ValueError, match='fp16'):
        init_restorer(*tiny_restorer_files, precision='fp16')
