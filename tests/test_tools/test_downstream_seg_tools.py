"""The deweathering segmentation config through the project's and mmseg's
own tools/train.py and tools/test.py, on the tiny toy Cityscapes."""
import os
import os.path as osp
import re
import subprocess
import sys

import mmseg
import pytest
from mmengine.runner import CheckpointLoader

import mofme_mm  # noqa: F401  (loads mmengine checkpoints on torch >= 2.6)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMSEG_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
SEG_MOFME = osp.join(REPO, 'configs', 'toy', 'seg_fcn_toy_cityscapes_mofme.py')

TINY_SEG_CONFIG = '''
_base_ = [{base!r}]
data_root = {root!r}
crop_size = (64, 64)
model = dict(data_preprocessor=dict(size=crop_size))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(datasets=[
        dict(d, data_root=data_root)
        for d in _base_.val_dataloader.dataset.datasets]))
test_dataloader = val_dataloader
max_iters = 2
param_scheduler = [dict(type='PolyLR', power=0.9, begin=0, end=max_iters,
                        by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=max_iters))
'''
METRIC_RE = re.compile(r'(rain|fog)/(mIoU|mAcc): ([0-9.]+|nan)')


def run(args, timeout=240):
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope='module')
def tiny_seg_config(tmp_path_factory, toy_cityscapes_root):
    tmp = tmp_path_factory.mktemp('seg_tools')
    path = tmp / 'tiny_seg_mofme.py'
    path.write_text(TINY_SEG_CONFIG.format(base=SEG_MOFME,
                                           root=toy_cityscapes_root))
    return tmp, str(path)


@pytest.mark.slow
@pytest.mark.parametrize('tools', ['project', 'mmseg'])
def test_train_and_test_report_per_weather_iou(tiny_seg_config, tools):
    tmp, config = tiny_seg_config
    tool_dir = osp.join(REPO, 'tools') if tools == 'project' else MMSEG_TOOLS
    work_dir = tmp / f'work_{tools}'
    trained = run([osp.join(tool_dir, 'train.py'), config, '--work-dir',
                   str(work_dir)])
    assert trained.returncode == 0, trained.stderr[-3000:]
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.is_file()
    state = CheckpointLoader.load_checkpoint(
        str(checkpoint), map_location='cpu')['state_dict']
    # the frozen restorer travels inside the segmentor's checkpoint
    assert any(k.startswith('data_preprocessor.restorer.network.')
               for k in state)
    assert any(k.startswith('backbone.') for k in state)

    show_dir = tmp / f'show_{tools}'
    tested = run([osp.join(tool_dir, 'test.py'), config, str(checkpoint),
                  '--work-dir', str(tmp / f'test_{tools}'),
                  '--show-dir', str(show_dir), '--cfg-options',
                  'default_hooks.visualization.interval=1'])
    assert tested.returncode == 0, tested.stderr[-3000:]
    assert list(show_dir.rglob('*.png')), 'no prediction drawn into --show-dir'

    found = {(w, m) for w, m, _ in METRIC_RE.findall(tested.stdout +
                                                      tested.stderr)}
    assert found == {('rain', 'mIoU'), ('rain', 'mAcc'), ('fog', 'mIoU'),
                     ('fog', 'mAcc')}
