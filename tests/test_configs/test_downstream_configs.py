"""The configs/downstream/ configs build, run and test per weather."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData
from mmseg.structures import SegDataSample

from mofme_mm.engine.runner_setup import apply_cfg_options
from mofme_mm.models.utils import WeightLoadingError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SEG_CONFIGS = [
    'configs/downstream/'
    'deeplabv3plus_r50-d8_mofme_80k_rain-fog-cityscapes-512x1024.py',
    'configs/downstream/'
    'segformer_mit-b0_mofme_160k_rain-fog-cityscapes-1024x1024.py',
]
BASELINE_CONFIG = ('configs/downstream/'
                   'deeplabv3plus_r50-d8_80k_rain-fog-cityscapes-512x1024.py')
E2E_CONFIG = ('configs/downstream/'
              'deeplabv3plus_r50-d8_mofme-e2e_80k_rain-fog-cityscapes-512x1024.py')
DET_CONFIG = 'configs/downstream/faster-rcnn_r50_fpn_mofme_1x_cityscapes.py'
TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
        patch_size=4, head_channels=4, tail_channels=4,
        ffn_cfg=dict(type='fme', num_experts=2, top_k=1)),
    test_cfg=dict(mode='tile', tile_size=32))


def load(path):
    return Config.fromfile(osp.join(REPO, path))


def no_downloads(cfg):
    """True when no init or load in ``cfg`` points at a URL."""
    text = cfg.pretty_text
    return 'http' not in text and 'open-mmlab://' not in text and \
        'torchvision://' not in text


@pytest.mark.parametrize('path', SEG_CONFIGS)
def test_seg_config_builds_with_mofme_restorer_and_predicts(path):
    from mmseg.registry import MODELS
    cfg = load(path)
    assert no_downloads(cfg)
    assert cfg.model.data_preprocessor.type == \
        'mofme_mm.DeweatherSegDataPreProcessor'
    assert cfg.model.data_preprocessor.restorer == \
        'mofme_mm::mofme_raincityscapes.py'
    assert cfg.model.decode_head.norm_cfg.type == 'BN'
    assert cfg.test_evaluator.type == 'mofme_mm.PerWeatherIoUMetric'
    assert cfg.restorer_checkpoint is None
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    # The restorer is the paper's MoFME from mofme_raincityscapes.py, frozen.
    restorer = model.data_preprocessor.restorer
    assert type(restorer.network).__name__ == 'MoFMEViT'
    assert restorer.test_cfg['mode'] == 'tile'
    assert not any(p.requires_grad for p in restorer.parameters())
    assert 'SyncBatchNorm' not in {type(m).__name__ for m in model.modules()}
    restorer.test_cfg = dict(restorer.test_cfg, tile_size=64)  # CPU speed
    model.eval()
    image = torch.randint(0, 256, (3, 64, 96), dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(64, 96),
                                         ori_shape=(64, 96)))
    batch = dict(inputs=[image], data_samples=[sample])
    # no restorer checkpoint, none loaded: refused, unless asked for
    with pytest.raises(WeightLoadingError, match='untrained_restorer=True'):
        model.test_step(batch)
    model.data_preprocessor.untrained_restorer = True
    with torch.no_grad():
        out = model.test_step(batch)
    assert out[0].pred_sem_seg.data.shape == (1, 64, 96)
    assert int(out[0].pred_sem_seg.data.max()) < 19


@pytest.mark.parametrize('path', SEG_CONFIGS)
def test_seg_config_test_set_is_rain_and_fog_with_weather(
        path, toy_cityscapes_root):
    from mmseg.registry import DATASETS
    cfg = load(path)
    dataset_cfg = cfg.test_dataloader.dataset
    assert dataset_cfg.type == 'mofme_mm.MultiWeatherDataset'
    for part in dataset_cfg.datasets:
        assert part.split == 'val'
        part.data_root = toy_cityscapes_root
    init_default_scope(cfg.default_scope)
    dataset = DATASETS.build(dataset_cfg)
    assert dataset.weathers == ['fog', 'rain']
    packed = dataset[0]
    assert packed['data_samples'].weather in ('rain', 'fog')
    # labels stay at the original size (64 x 128), images go to 2048 x 1024
    assert tuple(packed['data_samples'].gt_sem_seg.data.shape[-2:]) == \
        packed['data_samples'].ori_shape == (64, 128)
    assert tuple(packed['inputs'].shape[-2:]) == (1024, 2048)


def test_baseline_config_is_the_same_segmentor_without_restorer():
    baseline, mofme = load(BASELINE_CONFIG), load(SEG_CONFIGS[0])
    assert no_downloads(baseline)
    assert baseline.model.data_preprocessor.type == 'SegDataPreProcessor'
    assert 'restorer' not in baseline.model.data_preprocessor
    for key in ('backbone', 'decode_head', 'auxiliary_head'):
        assert baseline.model[key] == mofme.model[key]
    assert baseline.test_dataloader == mofme.test_dataloader
    assert baseline.test_evaluator == mofme.test_evaluator


def test_e2e_config_wraps_backbone_with_trainable_restorer(
        toy_cityscapes_root):
    from mmseg.registry import DATASETS, MODELS
    cfg = load(E2E_CONFIG)
    assert no_downloads(cfg)
    assert cfg.model.data_preprocessor.type == 'SegDataPreProcessor'
    backbone = cfg.model.backbone
    assert backbone.type == 'mofme_mm.DeweatherBackbone'
    assert backbone.backbone.type == 'ResNetV1c'
    assert backbone.backbone.depth == 50
    assert backbone.mean == cfg.model.data_preprocessor.mean
    # its restorer's losses join the segmentation loss (Eq. 11)
    assert backbone.trainable and backbone.restorer_aux_losses
    assert [h.type for h in cfg.custom_hooks] == [
        'mofme_mm.RestorerAuxLossHook']
    from mofme_mm.registry import HOOKS
    assert type(HOOKS.build(cfg.custom_hooks[0])).__name__ == \
        'RestorerAuxLossHook'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    restorer = model.backbone.restorer
    assert type(restorer.network).__name__ == 'MoFMEViT'
    assert all(p.requires_grad for p in restorer.parameters())
    assert 'SyncBatchNorm' not in {type(m).__name__ for m in model.modules()}
    # it fine-tunes on rainy + foggy TRAIN frames with labels
    for part in cfg.train_dataloader.dataset.datasets:
        assert part.split == 'train'
        part.data_root = toy_cityscapes_root
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    assert train_set.weathers == ['fog', 'rain']
    assert 'gt_sem_seg' in train_set[0]['data_samples']


def toy_det_batch(root):
    """One toy val frame with boxes around its cars and persons."""
    frame = 'lindau_000000_000019'
    image = cv2.imread(
        osp.join(root, 'leftImg8bit/val/lindau', f'{frame}_leftImg8bit.png'))
    label = cv2.imread(
        osp.join(root, 'gtFine/val/lindau',
                 f'{frame}_gtFine_labelTrainIds.png'), cv2.IMREAD_UNCHANGED)
    boxes, labels = [], []
    # mmdet's 8 Cityscapes classes: person, rider, car, truck, bus, train,
    # motorcycle, bicycle = trainIds 11..18
    for train_id in range(11, 19):
        count, comps = cv2.connectedComponents((label == train_id).astype(
            np.uint8))
        for comp in range(1, count):
            ys, xs = np.nonzero(comps == comp)
            if len(xs) >= 4:
                boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
                labels.append(train_id - 11)
    if not boxes:  # keep the test meaningful on any toy frame
        boxes, labels = [[8, 8, 40, 30]], [2]
    height, width = label.shape
    sample = DetDataSample(metainfo=dict(
        img_shape=(height, width), ori_shape=(height, width),
        scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        labels=torch.tensor(labels, dtype=torch.long))
    inputs = torch.from_numpy(image).permute(2, 0, 1).contiguous()
    return dict(inputs=[inputs], data_samples=[sample])


def test_det_config_forward_loss_predict(toy_cityscapes_root):
    from mmdet.registry import MODELS
    cfg = load(DET_CONFIG)
    assert no_downloads(cfg)
    assert cfg.load_from is None
    assert cfg.model.data_preprocessor.type == \
        'mofme_mm.DeweatherDetDataPreprocessor'
    # shrink the model: tiny restorer, ResNet-18 backbone
    cfg.model.data_preprocessor.restorer = TINY_RESTORER
    cfg.model.data_preprocessor.untrained_restorer = True
    cfg.model.backbone.depth = 18
    cfg.model.neck.in_channels = [64, 128, 256, 512]
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(toy_det_batch(toy_cityscapes_root), True)
    losses = model(**data, mode='loss')
    for key in ('loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'loss_bbox'):
        assert key in losses
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v)
                for v in losses.values())
    assert torch.isfinite(total)
    total.backward()
    # (mmdet freezes the stem, frozen_stages=1)
    assert any(p.grad is not None for p in model.backbone.layer2.parameters())
    restorer = model.data_preprocessor.restorer
    assert all(p.grad is None for p in restorer.parameters())

    model.eval()
    with torch.no_grad():
        results = model.test_step(toy_det_batch(toy_cityscapes_root))
    pred = results[0].pred_instances
    assert pred.bboxes.ndim == 2 and pred.bboxes.shape[1] == 4
    assert len(pred.scores) == len(pred.labels) == len(pred.bboxes)
    assert pred.labels.numel() == 0 or int(pred.labels.max()) < 8


RESTORER_CONFIGS = SEG_CONFIGS + [E2E_CONFIG, DET_CONFIG]


@pytest.mark.parametrize('path', RESTORER_CONFIGS)
def test_restorer_checkpoint_option_reaches_the_restorer(path):
    cfg = load(path)
    apply_cfg_options(cfg, {'restorer_checkpoint': 'mofme.pth'})
    holder = (cfg.model.backbone if path == E2E_CONFIG else
              cfg.model.data_preprocessor)
    assert holder.restorer_checkpoint == 'mofme.pth'
    assert cfg.restorer_checkpoint == 'mofme.pth'


@pytest.mark.parametrize('path', SEG_CONFIGS + [BASELINE_CONFIG, E2E_CONFIG])
def test_data_root_option_reaches_every_dataset(path):
    cfg = load(path)
    apply_cfg_options(cfg, {'data_root': '/elsewhere'})
    roots = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        for part in dataset.get('datasets', [dataset]):
            roots.append(part.data_root)
    assert len(roots) >= 3 and set(roots) == {'/elsewhere'}
