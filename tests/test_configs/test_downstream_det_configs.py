"""The detection / instance segmentation configs (configs/downstream/ and
configs/toy/) build, test on rain + fog per weather, and take the options."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mofme_mm.datasets.weather_det_views import mmdet_cityscapes_converter
from mofme_mm.engine.runner_setup import apply_cfg_options

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DOWNSTREAM = 'configs/downstream/'
# (restored, weathered twin, with masks)
DOWNSTREAM_PAIRS = [
    ('faster-rcnn_r50_fpn_mofme_1x_cityscapes.py',
     'faster-rcnn_r50_fpn_weather_1x_cityscapes.py', False),
    ('mask-rcnn_r50_fpn_mofme_1x_cityscapes.py',
     'mask-rcnn_r50_fpn_weather_1x_cityscapes.py', True),
]
TOY = 'configs/toy/'
TOY_STEMS = [('det_faster-rcnn_toy_cityscapes', False),
             ('mask-rcnn_toy_cityscapes', True)]
DET_DATASETS = ['mofme_mm.RainCityscapesDetDataset',
                'mofme_mm.FoggyCityscapesDetDataset']


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def no_downloads(cfg):
    text = cfg.pretty_text
    return 'http' not in text and 'open-mmlab://' not in text and \
        'torchvision://' not in text


@pytest.fixture(scope='module')
def coco_dir(toy_cityscapes_root, tmp_path_factory):
    """mmdet's converter run on the (read-only) toy tree, jsons outside it."""
    out_dir = str(tmp_path_factory.mktemp('coco'))
    proc = subprocess.run(
        [sys.executable, mmdet_cityscapes_converter(), toy_cityscapes_root,
         '-o', out_dir], text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out_dir


def build_weather_test_set(cfg, root, coco_dir):
    """The config's test dataset on the toy tree (its val COCO json)."""
    from mmdet.registry import DATASETS
    dataset_cfg = cfg.test_dataloader.dataset
    for part in dataset_cfg.datasets:
        part.data_root = root
        part.ann_file = osp.join(coco_dir,
                                 'instancesonly_filtered_gtFine_val.json')
    init_default_scope('mmdet')
    return DATASETS.build(dataset_cfg)


def check_packed_sample(packed, masks):
    sample = packed['data_samples']
    assert sample.weather in ('rain', 'fog')
    # the clean frame's instances, for PerWeatherCocoMetric
    assert len(sample.instances) == len(sample.gt_instances.bboxes) > 0
    assert ('masks' in sample.gt_instances) == masks


@pytest.mark.parametrize('mofme_path,weather_path,masks', DOWNSTREAM_PAIRS)
def test_downstream_det_configs_test_per_weather(
        mofme_path, weather_path, masks, toy_cityscapes_root, coco_dir):
    mofme, weather = load(DOWNSTREAM + mofme_path), load(DOWNSTREAM +
                                                        weather_path)
    for cfg in (mofme, weather):
        assert no_downloads(cfg) and cfg.load_from is None
        assert cfg.test_evaluator == dict(
            type='mofme_mm.PerWeatherCocoMetric',
            metric=['bbox', 'segm'] if masks else 'bbox')
        assert cfg.val_evaluator == cfg.test_evaluator
        dataset_cfg = cfg.test_dataloader.dataset
        assert dataset_cfg.type == 'mofme_mm.MultiWeatherDataset'
        assert [p.type for p in dataset_cfg.datasets] == DET_DATASETS
        assert {p.split for p in dataset_cfg.datasets} == {'val'}
    # the twins differ by the restorer only
    assert mofme.model.data_preprocessor.type == \
        'mofme_mm.DeweatherDetDataPreprocessor'
    assert mofme.model.data_preprocessor.restorer == \
        'mofme_mm::mofme_raincityscapes.py'
    assert mofme.model.data_preprocessor.restorer_checkpoint is None
    assert not mofme.model.data_preprocessor.trainable
    assert weather.model.data_preprocessor.type == 'DetDataPreprocessor'
    for key in ('backbone', 'neck', 'rpn_head', 'roi_head'):
        assert mofme.model[key] == weather.model[key]
    assert mofme.test_dataloader == weather.test_dataloader

    dataset = build_weather_test_set(weather, toy_cityscapes_root, coco_dir)
    # 2 val frames x (4 rainy + 2 foggy versions)
    assert len(dataset) == 12 and dataset.weathers == ['fog', 'rain']
    packed = dataset[0]
    check_packed_sample(packed, masks)
    # the images go to mmdet's Cityscapes test scale
    assert tuple(packed['inputs'].shape[-2:]) == (1024, 2048)


@pytest.mark.parametrize('stem,masks', TOY_STEMS)
def test_toy_det_configs_clean_weathered_restored(
        stem, masks, toy_cityscapes_root, coco_dir):
    clean, weather, mofme = (load(f'{TOY}{stem}{suffix}.py')
                             for suffix in ('', '_weather', '_mofme'))
    for cfg in (clean, weather, mofme):
        assert no_downloads(cfg) and cfg.load_from is None
        assert cfg.test_evaluator.type == 'mofme_mm.PerWeatherCocoMetric'
        assert cfg.model == dict(mofme.model, data_preprocessor=(
            cfg.model.data_preprocessor))
        assert cfg.train_dataloader == clean.train_dataloader
    # trained on the clean frames, tested on clean / weathered frames
    assert clean.train_dataloader.dataset.type == 'CityscapesDataset'
    assert clean.test_dataloader.dataset.type == 'CityscapesDataset'
    assert weather.test_dataloader == mofme.test_dataloader
    assert [p.type for p in weather.test_dataloader.dataset.datasets] == \
        DET_DATASETS
    preprocessor = mofme.model.data_preprocessor
    assert preprocessor.type == 'mofme_mm.DeweatherDetDataPreprocessor'
    assert preprocessor.restorer == 'mofme_mm::toy/mofme_toy_demo_restorer.py'
    assert weather.model.data_preprocessor == clean.model.data_preprocessor
    dataset = build_weather_test_set(weather, toy_cityscapes_root, coco_dir)
    assert len(dataset) == 12
    check_packed_sample(dataset[0], masks)


@pytest.mark.parametrize('stem,masks', TOY_STEMS)
def test_toy_detector_is_small_and_trains(stem, masks, toy_cityscapes_root,
                                          coco_dir):
    """A loss step and a prediction on toy frames, at CPU-minutes size."""
    from mmdet.registry import DATASETS, MODELS
    from mmengine.dataset import pseudo_collate
    cfg = load(f'{TOY}{stem}.py')
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = toy_cityscapes_root
    dataset_cfg.ann_file = osp.join(
        coco_dir, 'instancesonly_filtered_gtFine_train.json')
    init_default_scope('mmdet')
    dataset = DATASETS.build(dataset_cfg)
    model = MODELS.build(cfg.model)
    model.init_weights()
    assert sum(p.numel() for p in model.parameters()) < 2e6
    batch = pseudo_collate([dataset[0], dataset[1]])
    model.train()
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    expected = {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'}
    if masks:
        expected.add('loss_mask')
    assert expected <= set(losses)
    total, _ = model.parse_losses(losses)
    assert torch.isfinite(total)
    total.backward()
    assert model.backbone.conv1.weight.grad is not None  # nothing frozen
    model.eval()
    with torch.no_grad():
        pred = model.test_step(batch)[0].pred_instances
    assert pred.bboxes.shape[1:] == (4, )
    assert ('masks' in pred) == masks


DET_CONFIGS = [DOWNSTREAM + p for pair in DOWNSTREAM_PAIRS for p in pair[:2]]
TOY_CONFIGS = [f'{TOY}{stem}{suffix}.py' for stem, _ in TOY_STEMS
               for suffix in ('', '_weather', '_mofme')]


@pytest.mark.parametrize('path', DET_CONFIGS + TOY_CONFIGS)
def test_data_root_option_reaches_every_dataset(path):
    cfg = load(path)
    apply_cfg_options(cfg, {'data_root': '/elsewhere'})
    roots = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        while 'dataset' in dataset:  # mmdet's RepeatDataset
            dataset = dataset.dataset
        for part in dataset.get('datasets', [dataset]):
            roots.append(part.data_root)
    assert len(roots) >= 3 and set(roots) == {'/elsewhere'}
    # no evaluator reads a json of the old root
    for evaluator in ('val_evaluator', 'test_evaluator'):
        assert 'ann_file' not in cfg[evaluator]


@pytest.mark.parametrize('path', [p for p in DET_CONFIGS + TOY_CONFIGS
                                  if 'mofme' in p])
def test_restorer_checkpoint_option_reaches_the_restorer(path):
    cfg = load(path)
    apply_cfg_options(cfg, {'restorer_checkpoint': 'mofme.pth'})
    assert cfg.model.data_preprocessor.restorer_checkpoint == 'mofme.pth'
