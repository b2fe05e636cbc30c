"""DeweatherBackbone: restorer + any backbone, trainable end to end."""
import torch
import torch.nn as nn

from mofme_mm.models.backbones import DeweatherBackbone
from mofme_mm.registry import MODELS

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
        patch_size=4, head_channels=4, tail_channels=4,
        ffn_cfg=dict(type='fme', num_experts=2, top_k=1)))
TINY_RESNET = dict(
    type='mmseg.ResNetV1c', depth=18, stem_channels=4, base_channels=4,
    num_stages=2, out_indices=(0, 1), strides=(1, 2), dilations=(1, 1))


class GainRestorer(nn.Module):
    """A restorer with a known, channel-dependent answer: RGB gains."""

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor([1.0, 0.5, 0.25]))

    def restore(self, images):
        return images * self.gain.view(1, 3, 1, 1)


def normalised_batch(seed=0, shape=(2, 3, 16, 16)):
    gen = torch.Generator().manual_seed(seed)
    pixels = torch.randint(0, 256, shape, generator=gen).float()
    mean, std = torch.tensor(MEAN).view(1, 3, 1, 1), torch.tensor(STD).view(
        1, 3, 1, 1)
    return pixels, (pixels - mean) / std


def test_backbone_sees_renormalised_restored_images():
    model = DeweatherBackbone(backbone=TINY_RESNET, restorer=GainRestorer())
    model.eval()
    pixels, x = normalised_batch()
    gain = torch.tensor([1.0, 0.5, 0.25]).view(1, 3, 1, 1)
    want_input = (pixels * gain - torch.tensor(MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(STD).view(1, 3, 1, 1)
    torch.testing.assert_close(model.restore(x), want_input, rtol=1e-5,
                               atol=1e-4)
    feats = model(x)
    want = model.backbone(want_input)
    assert len(feats) == 2
    for got, ref in zip(feats, want):
        torch.testing.assert_close(got, ref, rtol=1e-4, atol=1e-4)


def test_bgr_channel_order():
    model = DeweatherBackbone(backbone=TINY_RESNET, restorer=GainRestorer(),
                              mean=MEAN[::-1], std=STD[::-1],
                              channel_order='bgr')
    pixels_rgb, _ = normalised_batch()
    bgr = pixels_rgb.flip(1)
    x = (bgr - torch.tensor(MEAN[::-1]).view(1, 3, 1, 1)) / torch.tensor(
        STD[::-1]).view(1, 3, 1, 1)
    gain = torch.tensor([1.0, 0.5, 0.25]).view(1, 3, 1, 1)
    restored_bgr = (pixels_rgb * gain).flip(1)
    want = (restored_bgr - torch.tensor(MEAN[::-1]).view(1, 3, 1, 1)) / \
        torch.tensor(STD[::-1]).view(1, 3, 1, 1)
    torch.testing.assert_close(model.restore(x), want, rtol=1e-5, atol=1e-4)


def test_gradients_reach_the_restorer():
    # the restorer's own losses need a downstream model (test_utils/)
    model = MODELS.build(
        dict(type='DeweatherBackbone', backbone=TINY_RESNET,
             restorer=TINY_RESTORER, untrained_restorer=True,
             restorer_aux_losses=False))
    model.train()
    _, x = normalised_batch()
    loss = sum(f.mean() for f in model(x))
    loss.backward()
    restorer_grads = [p.grad for p in model.restorer.parameters()]
    assert all(p.requires_grad for p in model.restorer.parameters())
    assert sum(g.abs().sum() for g in restorer_grads if g is not None) > 0
    assert any(p.grad is not None for p in model.backbone.parameters())


def test_frozen_restorer_gets_no_gradients_but_backbone_does():
    model = DeweatherBackbone(backbone=TINY_RESNET, restorer=TINY_RESTORER,
                              trainable=False, untrained_restorer=True)
    model.train()
    assert not model.restorer.training
    _, x = normalised_batch()
    sum(f.mean() for f in model(x)).backward()
    assert all(p.grad is None for p in model.restorer.parameters())
    assert any(p.grad is not None for p in model.backbone.parameters())


def test_init_weights_keeps_loaded_restorer_weights():
    model = DeweatherBackbone(backbone=TINY_RESNET, restorer=TINY_RESTORER)
    with torch.no_grad():
        for param in model.restorer.parameters():
            param.fill_(0.123)
    model.init_weights()
    assert all(torch.all(p == 0.123) for p in model.restorer.parameters())
