"""--precision of tools/deweather.py and tools/test.py."""
import importlib.util
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from tiny_config import REPO, run_tool, write_tiny_config

from mofme_mm.registry import MODELS


@pytest.fixture(scope='module')
def tiny_files(tmp_path_factory, toy_cityscapes_root):
    """A tiny toy-data config and a checkpoint of its (random) restorer."""
    tmp = tmp_path_factory.mktemp('precision')
    config = write_tiny_config(tmp / 'tiny.py', toy_cityscapes_root)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        model = MODELS.build(Config.fromfile(config).model)
    checkpoint = tmp / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    return tmp, config, str(checkpoint)


def _deweather(argv):
    spec = importlib.util.spec_from_file_location(
        'deweather_tool', osp.join(REPO, 'tools', 'deweather.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def test_deweather_precision_bf16_and_unsupported_fp16(tiny_files, cpu_bf16,
                                                       monkeypatch, capsys):
    tmp, config, checkpoint = tiny_files
    image = np.random.default_rng(0).integers(0, 256, (40, 56, 3),
                                              dtype=np.uint8)
    cv2.imwrite(str(tmp / 'rainy.png'), image)
    outputs = {}
    for precision in ('fp32', 'bf16'):
        out_dir = tmp / precision
        assert _deweather([str(tmp / 'rainy.png'), '--config', config,
                           '--checkpoint', checkpoint, '--out-dir',
                           str(out_dir), '--device', 'cpu', '--precision',
                           precision]) == 0
        outputs[precision] = cv2.imread(str(out_dir / 'rainy.png')).astype(int)
    assert outputs['bf16'].shape == image.shape
    assert np.abs(outputs['bf16'] - outputs['fp32']).max() <= 8
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_fp16_supported',
                        lambda: False)
    with pytest.raises(SystemExit) as info:
        _deweather([str(tmp / 'rainy.png'), '--config', config, '--checkpoint',
                    checkpoint, '--out-dir', str(tmp / 'fp16'), '--device',
                    'cpu', '--precision', 'fp16'])
    assert info.value.code == 2
    assert 'avx512_fp16' in capsys.readouterr().err
    assert not (tmp / 'fp16').exists()


# runs a script as __main__ with the cpu_bf16 fixture's patch applied
WITH_CPU_BF16 = ('import runpy, sys, torch; '
                 'torch.ops.mkldnn._is_mkldnn_bf16_supported = lambda: True; '
                 'sys.argv = sys.argv[1:]; '
                 'runpy.run_path(sys.argv[0], run_name="__main__")')


def test_test_tool_precision_bf16_metrics_close_to_fp32(tiny_files, cpu_bf16):
    tmp, config, checkpoint = tiny_files
    launcher = ['-c', WITH_CPU_BF16] if cpu_bf16 else []
    metrics = {}
    for precision in ('fp32', 'bf16'):
        out = tmp / f'test_{precision}'
        result = run_tool([*launcher, 'tools/test.py', config, checkpoint,
                           '--work-dir', str(tmp / f'work_{precision}'),
                           '--out', str(out), '--precision', precision])
        assert result.returncode == 0, result.stderr[-3000:]
        metrics[precision] = json.load(open(out / 'metrics.json'))
    for key in ('rain/PSNR', 'fog/PSNR'):
        assert metrics['bf16'][key] != metrics['fp32'][key]  # it ran in bf16
        assert metrics['bf16'][key] == pytest.approx(metrics['fp32'][key],
                                                     abs=0.2)
    # the un-restored inputs do not depend on the precision
    assert metrics['bf16']['rain/input_PSNR'] == metrics['fp32'][
        'rain/input_PSNR']
