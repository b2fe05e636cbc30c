"""DeweatherDetDataPreprocessor: restore first, then mmdet's preprocessing."""
import torch
import torch.nn as nn
from mmdet.structures import DetDataSample

from mofme_mm.models.data_preprocessors import DeweatherDetDataPreprocessor

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
        patch_size=4, head_channels=4, tail_channels=4),
    test_cfg=dict(mode='whole'))


class GainRestorer(nn.Module):
    """A restorer with a known, channel-dependent answer: RGB gains."""

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor([1.0, 0.5, 0.25]))

    def restore(self, images):
        return images * self.gain.view(1, 3, 1, 1)


def make_batch(sizes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, h, w), generator=gen,
                            dtype=torch.uint8) for h, w in sizes]
    samples = []
    for h, w in sizes:
        sample = DetDataSample()
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(restorer, **kwargs):
    return DeweatherDetDataPreprocessor(
        restorer=restorer, mean=MEAN, std=STD, bgr_to_rgb=True, **kwargs)


def test_restores_before_normalising_and_pads():
    data = make_batch([(10, 12), (7, 9)])
    raw = [x.clone() for x in data['inputs']]
    out = build(GainRestorer(), pad_size_divisor=8)(data, training=True)
    inputs = out['inputs']
    assert inputs.shape == (2, 3, 16, 16)
    gain = torch.tensor([1.0, 0.5, 0.25]).view(3, 1, 1)
    mean, std = torch.tensor(MEAN).view(3, 1, 1), torch.tensor(STD).view(
        3, 1, 1)
    for got, image in zip(inputs, raw):
        h, w = image.shape[1:]
        want = ((image.float().flip(0) / 255 * gain) * 255 - mean) / std
        torch.testing.assert_close(got[:, :h, :w], want)
    assert out['data_samples'][1].batch_input_shape == (16, 16)
    assert out['data_samples'][1].pad_shape == (8, 16)


def test_frozen_by_default_and_trainable_on_request():
    frozen = build(TINY_RESTORER, untrained_restorer=True)
    frozen.train()
    assert not frozen.restorer.training
    assert not any(p.requires_grad for p in frozen.restorer.parameters())
    assert not frozen(make_batch([(8, 8)]), True)['inputs'].requires_grad

    # the restorer's own losses are not collected here (no detector)
    trainable = build(TINY_RESTORER, trainable=True, untrained_restorer=True,
                      restorer_aux_losses=False)
    trainable.train()
    assert trainable.restorer.training
    trainable(make_batch([(8, 8)]), True)['inputs'].sum().backward()
    grads = [p.grad for p in trainable.restorer.parameters()]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)
