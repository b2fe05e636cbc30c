"""Tiny restorers and downstream models for the restorer-holder tests."""
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def restorer_cfg(num_experts=4, num_heads=2, router='uar', mode='whole'):
    """A MoFME restorer small enough for sub-second CPU steps."""
    return dict(
        type='DeweatherRestorer',
        network=dict(
            type='MoFMEViT', embed_dims=16, depth=1, num_heads=num_heads,
            head_dims=8, patch_size=4, head_channels=4, tail_channels=4,
            ffn_cfg=dict(type='fme', num_experts=num_experts, top_k=2),
            router_cfg=dict(type=router)),
        test_cfg=dict(mode=mode, tile_size=16, tile_overlap=0))


TINY_RESNET = dict(
    type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
    num_stages=2, out_indices=(0, 1), strides=(1, 2), dilations=(1, 1))


def segmentor_cfg(holder='preprocessor', **holder_kwargs):
    """mmseg's EncoderDecoder with a restorer in its preprocessor or in a
    DeweatherBackbone (``holder='backbone'``), or none (``'none'``)."""
    preprocessor = dict(type='SegDataPreProcessor', mean=MEAN, std=STD,
                        bgr_to_rgb=True, size=(32, 32))
    backbone = dict(TINY_RESNET)
    if holder == 'preprocessor':
        preprocessor.update(type='mofme_mm.DeweatherSegDataPreProcessor',
                            **holder_kwargs)
    elif holder == 'backbone':
        backbone = dict(type='mofme_mm.DeweatherBackbone', backbone=backbone,
                        mean=MEAN, std=STD, **holder_kwargs)
    return dict(
        type='EncoderDecoder', data_preprocessor=preprocessor,
        backbone=backbone,
        decode_head=dict(type='FCNHead', in_channels=16, in_index=1,
                         channels=8, num_convs=1, num_classes=4,
                         loss_decode=dict(type='CrossEntropyLoss')),
        test_cfg=dict(mode='whole'))


def build_segmentor(holder='preprocessor', **holder_kwargs):
    from mmengine.config import ConfigDict
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    return MODELS.build(ConfigDict(segmentor_cfg(holder, **holder_kwargs)))


def seg_batch(seed=0, size=32):
    gen = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (3, size, size), generator=gen,
                          dtype=torch.uint8)
    sample = SegDataSample(metainfo=dict(img_shape=(size, size),
                                         ori_shape=(size, size)))
    sample.gt_sem_seg = PixelData(
        data=torch.randint(0, 4, (1, size, size), generator=gen))
    return dict(inputs=[image], data_samples=[sample])
