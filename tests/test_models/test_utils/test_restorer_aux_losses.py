"""End-to-end fine-tuning: the restorer's load-balance and uncertainty
losses (Eq. 11 weights) reach a real segmentor's and detector's loss dict,
and their gradients reach the router weights."""
import os.path as osp

import mmdet
import pytest
import torch
from holder_models import MEAN, STD, build_segmentor, restorer_cfg, seg_batch
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mofme_mm.models.utils import (
    attach_restorer_aux_losses,
    to_restorer_range,
    weighted_aux_losses,
)

AUX_KEYS = {'loss_restorer_balance', 'loss_restorer_uncertainty'}


def holder_of(model):
    pre = model.data_preprocessor
    return pre if hasattr(pre, 'restorer') else model.backbone


def router_weights(restorer):
    return [m.proj.weight for name, m in restorer.network.named_modules()
            if name.endswith('ffn.router')]


def aux_only_backward(losses, restorer):
    """Backward the aux losses alone; return the routers' gradients."""
    restorer.zero_grad()
    sum(losses[k] for k in AUX_KEYS & set(losses)).backward(
        retain_graph=True)
    return [w.grad for w in router_weights(restorer)]


def loss_forward(model, batch):
    """What mmengine's train_step does before parse_losses."""
    model.train()
    data = model.data_preprocessor(batch, True)
    return model(**data, mode='loss')


def test_weighted_losses_average_the_calls_by_images():

    class Weights:
        balance_loss_weight = 0.1
        uncertainty_loss_weight = 0.01

    records = [(2, dict(loss_balance=torch.tensor(1.0))),
               (6, dict(loss_balance=torch.tensor(3.0),
                        loss_uncertainty=torch.tensor(4.0)))]
    losses = weighted_aux_losses(Weights(), records)
    assert set(losses) == AUX_KEYS
    torch.testing.assert_close(losses['loss_restorer_balance'],
                               torch.tensor(0.1 * (2 * 1 + 6 * 3) / 8))
    torch.testing.assert_close(losses['loss_restorer_uncertainty'],
                               torch.tensor(0.01 * 4.0))


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_segmentor_loss_has_the_weighted_aux_losses_and_router_grads(holder):
    torch.manual_seed(0)
    model = build_segmentor(holder, restorer=restorer_cfg(router='uar'),
                            trainable=True, untrained_restorer=True)
    attach_restorer_aux_losses(model)
    losses = loss_forward(model, seg_batch())
    assert AUX_KEYS <= set(losses)
    assert 'decode.loss_ce' in losses
    restorer = holder_of(model).restorer
    assert losses['loss_restorer_uncertainty'] > 0  # UaR's MC variance
    grads = aux_only_backward(losses, restorer)
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)


def test_values_are_the_restorers_own_losses_times_its_weights():
    # top-k router: deterministic, so the network can be rerun by hand
    model = build_segmentor('backbone', restorer=restorer_cfg(router='topk'),
                            trainable=True, untrained_restorer=True)
    attach_restorer_aux_losses(model)
    restorer = model.backbone.restorer
    restorer.balance_loss_weight = 0.37  # lambda1 is the restorer's own
    losses = loss_forward(model, seg_batch())
    x = model.data_preprocessor(seg_batch(), True)['inputs']
    _, aux = restorer.network(to_restorer_range(x, 'rgb', MEAN, STD))
    torch.testing.assert_close(losses['loss_restorer_balance'],
                               0.37 * aux['losses']['loss_balance'])
    assert 'loss_restorer_uncertainty' not in losses  # top-k has none


def test_tiled_restoration_averages_the_tiles():
    model = build_segmentor(
        'preprocessor', restorer=restorer_cfg(router='topk', mode='tile'),
        trainable=True, untrained_restorer=True)
    restorer = model.data_preprocessor.restorer
    restorer.test_cfg = dict(restorer.test_cfg, tile_batch_size=1)
    attach_restorer_aux_losses(model)
    batch = seg_batch()
    rgb = batch['inputs'][0].flip(0)[None].float() / 255
    losses = loss_forward(model, batch)
    # 32 x 32 in 16 x 16 tiles, one network call each
    tiles = [rgb[..., i:i + 16, j:j + 16] for i in (0, 16) for j in (0, 16)]
    per_tile = [restorer.network(t)[1]['losses']['loss_balance']
                for t in tiles]
    want = restorer.balance_loss_weight * torch.stack(per_tile).mean()
    torch.testing.assert_close(losses['loss_restorer_balance'], want)


def test_train_step_optimises_the_aux_losses():
    from mmengine.optim import OptimWrapper
    model = build_segmentor('backbone', restorer=restorer_cfg(router='uar'),
                            untrained_restorer=True)
    attach_restorer_aux_losses(model)
    model.train()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    log_vars = model.train_step(seg_batch(), wrapper)
    assert AUX_KEYS <= set(log_vars)
    total = sum(float(v) for k, v in log_vars.items()
                if k.startswith(('decode.loss', 'loss_restorer')))
    assert float(log_vars['loss']) == pytest.approx(total, rel=1e-5)


def test_training_without_the_collector_is_an_error():
    model = build_segmentor('backbone', restorer=restorer_cfg(),
                            untrained_restorer=True)
    with pytest.raises(RuntimeError, match='mofme_mm.RestorerAuxLossHook'):
        loss_forward(model, seg_batch())


def test_opt_out_and_frozen_restorers_add_nothing():
    for kwargs in (dict(trainable=True, restorer_aux_losses=False),
                   dict(trainable=False)):
        model = build_segmentor('preprocessor', restorer=restorer_cfg(),
                                untrained_restorer=True, **kwargs)
        losses = loss_forward(model, seg_batch())  # no collector: no error
        assert not AUX_KEYS & set(losses)


def test_uncollected_losses_are_reported(mm_log):
    model = build_segmentor('preprocessor', restorer=restorer_cfg(),
                            trainable=True, untrained_restorer=True)
    attach_restorer_aux_losses(model)
    model.train()
    model.data_preprocessor(seg_batch(), True)
    model.data_preprocessor(seg_batch(), True)  # no model forward between
    assert any('were not added to a loss' in m for m in mm_log)


def tiny_faster_rcnn(holder):
    """mmdet's Faster R-CNN R50-FPN config with a ResNet-18 and a restorer
    in its data preprocessor or in a DeweatherBackbone."""
    from mmdet.registry import MODELS
    cfg = Config.fromfile(osp.join(osp.dirname(mmdet.__file__), '.mim',
                                   'configs/_base_/models/faster-rcnn_r50_fpn.py'))
    model = cfg.model
    model.backbone.update(depth=18, init_cfg=None)
    model.neck.in_channels = [64, 128, 256, 512]
    model.roi_head.bbox_head.num_classes = 3
    kwargs = dict(restorer=restorer_cfg(router='uar'), trainable=True,
                  untrained_restorer=True)
    if holder == 'preprocessor':
        model.data_preprocessor.update(
            type='mofme_mm.DeweatherDetDataPreprocessor', **kwargs)
    else:
        model.backbone = dict(type='mofme_mm.DeweatherBackbone',
                              backbone=model.backbone, mean=MEAN, std=STD,
                              **kwargs)
    init_default_scope('mmdet')
    return MODELS.build(model)


def det_batch(seed=0, size=64):
    gen = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (3, size, size), generator=gen,
                          dtype=torch.uint8)
    sample = DetDataSample(metainfo=dict(
        img_shape=(size, size), ori_shape=(size, size),
        scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[4.0, 6.0, 30.0, 40.0], [20.0, 10.0, 60.0, 50.0]]),
        labels=torch.tensor([0, 2]))
    return dict(inputs=[image], data_samples=[sample])


@pytest.mark.parametrize('holder', ['preprocessor', 'backbone'])
def test_detector_loss_has_the_aux_losses_and_router_grads(holder):
    torch.manual_seed(0)
    model = tiny_faster_rcnn(holder)
    attach_restorer_aux_losses(model)
    losses = loss_forward(model, det_batch())
    assert AUX_KEYS <= set(losses)
    for key in ('loss_rpn_cls', 'loss_cls', 'loss_bbox'):
        assert key in losses
    grads = aux_only_backward(losses, holder_of(model).restorer)
    assert grads and all(g is not None and g.abs().sum() > 0 for g in grads)
