"""The toy detection configs through the project's and mmdet's own
tools/train.py and tools/test.py, on the tiny toy Cityscapes: bbox (and
segm) mAP overall and per weather."""
import os.path as osp
import re
import subprocess
import sys

import mmdet
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader
from tiny_config import run_tool, save_moved_restorer

import mofme_mm  # noqa: F401  (loads mmengine checkpoints on torch >= 2.6)
from mofme_mm.datasets.weather_det_views import mmdet_cityscapes_converter

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMDET_TOOLS = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools')
TOY = osp.join(REPO, 'configs', 'toy')
DET_MOFME = osp.join(TOY, 'det_faster-rcnn_toy_cityscapes_mofme.py')
MASK_WEATHER = osp.join(TOY, 'mask-rcnn_toy_cityscapes_weather.py')

# The toy config on the tiny tree (128 x 64 frames, resized to 512 x 256 as
# configured), 2 iterations; the COCO jsons live outside the read-only tree.
TINY_DET_CONFIG = '''
_base_ = [{base!r}]
data_root = {root!r}
ann_dir = {ann_dir!r}
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file=ann_dir + '/instancesonly_filtered_gtFine_train.json'))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(datasets=[
        dict(d, data_root=data_root,
             ann_file=ann_dir + '/instancesonly_filtered_gtFine_val.json')
        for d in _base_.val_dataloader.dataset.datasets]))
test_dataloader = val_dataloader
max_iters = 2
param_scheduler = [dict(type='ConstantLR', factor=1.0, begin=0,
                        end=max_iters, by_epoch=False)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=max_iters))
'''
# any value token, so that nan / inf are caught below instead of skipped
METRIC_RE = re.compile(r'(?<![\w/])((?:rain|fog)/)?(bbox|segm)_mAP: (\S+)')


def run(args, timeout=400):
    return run_tool(args, timeout=timeout)


@pytest.fixture(scope='module')
def tiny_det(tmp_path_factory, toy_cityscapes_root):
    """Tiny configs, the COCO jsons mmdet's converter makes of the toy tree,
    and a checkpoint of the toy demo restorer (weights moved away from the
    initial ones)."""
    tmp = tmp_path_factory.mktemp('det_tools')
    ann_dir = tmp / 'annotations'
    converted = subprocess.run(
        [sys.executable, mmdet_cityscapes_converter(), toy_cityscapes_root,
         '-o', str(ann_dir)], capture_output=True, text=True, timeout=300)
    assert converted.returncode == 0, converted.stdout + converted.stderr
    configs = {}
    for name, base in (('det_mofme', DET_MOFME),
                       ('mask_weather', MASK_WEATHER)):
        path = tmp / f'tiny_{name}.py'
        path.write_text(TINY_DET_CONFIG.format(
            base=base, root=toy_cityscapes_root, ann_dir=str(ann_dir)))
        configs[name] = str(path)
    restorer_ckpt = save_moved_restorer(configs['det_mofme'],
                                        tmp / 'restorer.pth')
    return tmp, configs, restorer_ckpt


def check_map_metrics(result, kinds=('bbox', )):
    """The test run's mAP keys: overall and per weather, each in [0, 1]."""
    matches = METRIC_RE.findall(result.stdout + result.stderr)
    found = {(weather, kind) for weather, kind, _ in matches}
    assert found == {(w, k) for w in ('', 'rain/', 'fog/') for k in kinds}
    for weather, kind, value in matches:
        score = float(value)  # never nan or inf
        assert 0.0 <= score <= 1.0, (weather, kind, value)
    return matches


@pytest.mark.slow
@pytest.mark.parametrize('tools', ['project', 'mmdet'])
def test_train_and_test_report_per_weather_map(tiny_det, tools):
    tmp, configs, restorer_ckpt = tiny_det
    config = configs['det_mofme']
    tool_dir = osp.join(REPO, 'tools') if tools == 'project' else MMDET_TOOLS
    # ours sets every restorer_checkpoint field; mmdet's needs the full key
    option = ('restorer_checkpoint' if tools == 'project' else
              'model.data_preprocessor.restorer_checkpoint')
    work_dir = tmp / f'work_{tools}'
    trained = run([osp.join(tool_dir, 'train.py'), config, '--work-dir',
                   str(work_dir), '--cfg-options',
                   f'{option}={restorer_ckpt}'])
    assert trained.returncode == 0, trained.stderr[-3000:]
    checkpoint = work_dir / 'iter_2.pth'
    state = CheckpointLoader.load_checkpoint(
        str(checkpoint), map_location='cpu')['state_dict']
    # the frozen restorer travels inside the detector's checkpoint
    for key, value in torch.load(restorer_ckpt)['state_dict'].items():
        torch.testing.assert_close(state[f'data_preprocessor.restorer.{key}'],
                                   value, msg=key)
    assert any(k.startswith('roi_head.bbox_head.') for k in state)

    # the checkpoint carries the restorer: no restorer_checkpoint needed
    tested = run([osp.join(tool_dir, 'test.py'), config, str(checkpoint),
                  '--work-dir', str(tmp / f'test_{tools}')])
    assert tested.returncode == 0, tested.stderr[-3000:]
    check_map_metrics(tested)
    # the per-weather table of PerWeatherCocoMetric: 8 rainy + 4 foggy
    # images of the 2 val frames, 12 in all
    text = tested.stdout + tested.stderr
    assert re.search(r'\|\s*rain\s*\|\s*8\s*\|', text), text[-3000:]
    assert re.search(r'\|\s*fog\s*\|\s*4\s*\|', text)
    assert re.search(r'\|\s*all\s*\|\s*12\s*\|', text)


@pytest.mark.slow
def test_mask_rcnn_reports_bbox_and_segm_per_weather(tiny_det):
    """Mask R-CNN, trained by our tools/train.py, tested by mmdet's."""
    tmp, configs, _ = tiny_det
    config = configs['mask_weather']
    work_dir = tmp / 'work_mask'
    trained = run([osp.join(REPO, 'tools', 'train.py'), config,
                   '--work-dir', str(work_dir)])
    assert trained.returncode == 0, trained.stderr[-3000:]
    state = CheckpointLoader.load_checkpoint(
        str(work_dir / 'iter_2.pth'), map_location='cpu')['state_dict']
    assert any(k.startswith('roi_head.mask_head.') for k in state)
    tested = run([osp.join(MMDET_TOOLS, 'test.py'), config,
                  str(work_dir / 'iter_2.pth'), '--work-dir',
                  str(tmp / 'test_mask')])
    assert tested.returncode == 0, tested.stderr[-3000:]
    check_map_metrics(tested, kinds=('bbox', 'segm'))


def test_detector_checkpoint_without_restorer_is_refused(tiny_det,
                                                         monkeypatch):
    """tools/test.py with a plain detector checkpoint and no restorer
    checkpoint: refused before any image is tested."""
    import importlib.util

    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope

    from mofme_mm.models.utils import WeightLoadingError
    tmp, configs, _ = tiny_det
    cfg = Config.fromfile(configs['det_mofme'])
    cfg.model.data_preprocessor.untrained_restorer = True
    init_default_scope('mmdet')
    state = {k: v for k, v in MODELS.build(cfg.model).state_dict().items()
             if not k.startswith('data_preprocessor.restorer.')}
    plain_path = tmp / 'plain_detector.pth'
    torch.save(dict(state_dict=state), plain_path)

    spec = importlib.util.spec_from_file_location(
        'test_tool', osp.join(REPO, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr(sys, 'argv', [
        'test.py', configs['det_mofme'], str(plain_path), '--work-dir',
        str(tmp / 'refused')])
    monkeypatch.chdir(REPO)
    with pytest.raises(WeightLoadingError) as info:
        tool.main()
    message = str(info.value)
    assert 'no "data_preprocessor.restorer.*" weights' in message
    assert '--cfg-options restorer_checkpoint=MOFME.pth' in message
