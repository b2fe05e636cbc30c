"""RestorerAuxLossHook: a real mmengine Runner trains an mmseg segmentor with
a trainable restorer on the segmentation loss PLUS the restorer's losses."""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch.utils.data import Dataset

import mofme_mm  # noqa: F401

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
MODEL = dict(
    type='EncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=MEAN, std=STD,
                           bgr_to_rgb=True, size=(32, 32)),
    backbone=dict(
        type='mofme_mm.DeweatherBackbone',
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8,
                      base_channels=8, num_stages=2, out_indices=(0, 1),
                      strides=(1, 2), dilations=(1, 1)),
        restorer=dict(
            type='DeweatherRestorer',
            network=dict(
                type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,
                head_dims=8, patch_size=4, head_channels=4, tail_channels=4,
                ffn_cfg=dict(type='fme', num_experts=4, top_k=2),
                router_cfg=dict(type='uar'))),
        mean=MEAN, std=STD, untrained_restorer=True),
    decode_head=dict(type='FCNHead', in_channels=16, in_index=1, channels=8,
                     num_convs=1, num_classes=4,
                     loss_decode=dict(type='CrossEntropyLoss')),
    test_cfg=dict(mode='whole'))


class _RandomSegFrames(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, index):
        gen = torch.Generator().manual_seed(index)
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32),
                                             ori_shape=(32, 32)))
        sample.gt_sem_seg = PixelData(
            data=torch.randint(0, 4, (1, 32, 32), generator=gen))
        image = torch.randint(0, 256, (3, 32, 32), generator=gen,
                              dtype=torch.uint8)
        return dict(inputs=image, data_samples=sample)


def runner(work_dir, custom_hooks):
    return Runner(
        model=ConfigDict(MODEL),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_RandomSegFrames(),
            sampler=dict(type='DefaultSampler', shuffle=False),
            collate_fn=dict(type='pseudo_collate'),
            batch_size=2, num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=2),
        default_hooks=dict(logger=dict(type='LoggerHook', interval=1),
                           checkpoint=None),
        custom_hooks=custom_hooks,
        default_scope='mmseg',
        randomness=dict(seed=0))


def test_the_run_optimises_segmentation_and_restorer_losses(tmp_path):
    run = runner(tmp_path, [dict(type='mofme_mm.RestorerAuxLossHook')])
    routers = [m.proj.weight.detach().clone()
               for name, m in run.model.named_modules()
               if name.endswith('ffn.router')]
    run.train()
    hub = run.message_hub
    parts = [hub.get_scalar(f'train/{k}').current()
             for k in ('decode.loss_ce', 'loss_restorer_balance',
                       'loss_restorer_uncertainty')]
    assert hub.get_scalar('train/loss').current() == pytest.approx(
        sum(parts), rel=1e-5)
    assert parts[1] > 0 and parts[2] > 0
    after = [m.proj.weight for name, m in run.model.named_modules()
             if name.endswith('ffn.router')]
    assert any(not torch.equal(a, b) for a, b in zip(routers, after))


def test_without_the_hook_the_run_stops_and_names_it(tmp_path):
    run = runner(tmp_path, [])
    with pytest.raises(RuntimeError, match='RestorerAuxLossHook'):
        run.train()
