"""The deweathering segmentation config through the project's and mmseg's
own tools/train.py and tools/test.py, on the tiny toy Cityscapes."""
import os.path as osp
import re
import sys

import mmseg
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader
from tiny_config import run_tool, save_moved_restorer

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
# any value token, so that nan / inf are caught below instead of skipped
METRIC_RE = re.compile(r'(rain|fog)/(mIoU|mAcc): (\S+)')


def run(args, timeout=240):
    return run_tool(args, timeout=timeout)


@pytest.fixture(scope='module')
def tiny_seg_config(tmp_path_factory, toy_cityscapes_root):
    """The tiny config and a checkpoint of its restorer (the toy demo
    restorer's architecture, weights moved away from the initial ones)."""
    tmp = tmp_path_factory.mktemp('seg_tools')
    path = tmp / 'tiny_seg_mofme.py'
    path.write_text(TINY_SEG_CONFIG.format(base=SEG_MOFME,
                                           root=toy_cityscapes_root))
    restorer_ckpt = save_moved_restorer(str(path), tmp / 'restorer.pth')
    return tmp, str(path), restorer_ckpt


def quiet_about_keys(result):
    text = result.stdout + result.stderr
    return 'missing keys' not in text and 'unexpected key' not in text


def check_per_weather_metrics(result):
    matches = METRIC_RE.findall(result.stdout + result.stderr)
    found = {(w, m) for w, m, _ in matches}
    assert found == {('rain', 'mIoU'), ('rain', 'mAcc'), ('fog', 'mIoU'),
                     ('fog', 'mAcc')}
    for weather, metric, value in matches:
        score = float(value)  # a percentage, never nan or inf
        assert 0.0 <= score <= 100.0, (weather, metric, value)


@pytest.mark.slow
@pytest.mark.parametrize('tools', ['project', 'mmseg'])
def test_train_and_test_report_per_weather_iou(tiny_seg_config, tools):
    tmp, config, restorer_ckpt = tiny_seg_config
    tool_dir = osp.join(REPO, 'tools') if tools == 'project' else MMSEG_TOOLS
    # ours sets every restorer_checkpoint field; mmseg's needs the full key
    option = ('restorer_checkpoint' if tools == 'project' else
              'model.data_preprocessor.restorer_checkpoint')
    work_dir = tmp / f'work_{tools}'
    trained = run([osp.join(tool_dir, 'train.py'), config, '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'{option}={restorer_ckpt}'])
    assert trained.returncode == 0, trained.stderr[-3000:]
    checkpoint = work_dir / 'iter_2.pth'
    assert checkpoint.is_file()
    saved = CheckpointLoader.load_checkpoint(str(checkpoint),
                                             map_location='cpu')
    state = saved['state_dict']
    # the frozen restorer travels inside the segmentor's checkpoint, with
    # the weights of its checkpoint
    restorer_state = torch.load(restorer_ckpt)['state_dict']
    for key, value in restorer_state.items():
        torch.testing.assert_close(state[f'data_preprocessor.restorer.{key}'],
                                   value, msg=key)
    assert any(k.startswith('backbone.') for k in state)

    # the checkpoint carries the restorer: no restorer_checkpoint needed
    show_dir = tmp / f'show_{tools}'
    tested = run([osp.join(tool_dir, 'test.py'), config, str(checkpoint),
                  '--work-dir', str(tmp / f'test_{tools}'),
                  '--show-dir', str(show_dir), '--cfg-options',
                  'default_hooks.visualization.interval=1'])
    assert tested.returncode == 0, tested.stderr[-3000:]
    assert list(show_dir.rglob('*.png')), 'no prediction drawn into --show-dir'
    check_per_weather_metrics(tested)
    assert quiet_about_keys(tested)

    # a segmentor checkpoint WITHOUT the restorer, plus the restorer's own:
    # a correct run, and quiet about the restorer's keys
    plain = dict(saved, state_dict={
        k: v for k, v in state.items()
        if not k.startswith('data_preprocessor.restorer.')})
    plain_path = tmp / f'plain_{tools}.pth'
    torch.save(plain, plain_path)
    tested = run([osp.join(tool_dir, 'test.py'), config, str(plain_path),
                  '--work-dir', str(tmp / f'test_plain_{tools}'),
                  '--cfg-options', f'{option}={restorer_ckpt}'])
    assert tested.returncode == 0, tested.stderr[-3000:]
    check_per_weather_metrics(tested)
    assert quiet_about_keys(tested), tested.stdout[-3000:]


def test_restorer_without_weights_is_refused(tiny_seg_config, monkeypatch):
    """tools/test.py with a plain segmentor checkpoint and no restorer
    checkpoint: refused before any image is tested."""
    import importlib.util

    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from mofme_mm.models.utils import WeightLoadingError
    tmp, config, _ = tiny_seg_config
    seg = Config.fromfile(config)
    seg.model.data_preprocessor.untrained_restorer = True
    init_default_scope('mmseg')
    state = {k: v for k, v in MODELS.build(seg.model).state_dict().items()
             if not k.startswith('data_preprocessor.restorer.')}
    plain_path = tmp / 'plain_untrained.pth'
    torch.save(dict(state_dict=state), plain_path)

    spec = importlib.util.spec_from_file_location(
        'test_tool', osp.join(REPO, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', [
        'test.py', config, str(plain_path), '--work-dir', str(tmp / 'refused')])
    monkeypatch.chdir(REPO)
    with pytest.raises(WeightLoadingError) as info:
        tool.main()
    message = str(info.value)
    assert 'no "data_preprocessor.restorer.*" weights' in message
    assert '--cfg-options restorer_checkpoint=MOFME.pth' in message
    assert 'model.data_preprocessor.untrained_restorer=True' in message
