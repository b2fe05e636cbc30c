"""DeweatherSegDataPreProcessor: restore first, then mmseg's normalisation."""
import pytest
import torch
import torch.nn as nn
from mmengine.runner import save_checkpoint
from mmseg.structures import SegDataSample

from mofme_mm.models.data_preprocessors import DeweatherSegDataPreProcessor
from mofme_mm.registry import MODELS

MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(
        type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
        patch_size=4, head_channels=4, tail_channels=4,
        ffn_cfg=dict(type='fme', num_experts=2, top_k=1)),
    test_cfg=dict(mode='tile', tile_size=16, tile_overlap=0))


class GainRestorer(nn.Module):
    """A restorer with a known, channel-dependent answer: RGB gains."""

    def __init__(self):
        super().__init__()
        self.gain = nn.Parameter(torch.tensor([1.0, 0.5, 0.25]))

    def restore(self, images):
        return images * self.gain.view(1, 3, 1, 1)


def expected(bgr_uint8, gain):
    """(restore(rgb / 255) * 255 - mean) / std, written out by hand."""
    rgb = bgr_uint8.float().flip(0) / 255
    restored = rgb * torch.tensor(gain).view(3, 1, 1)
    return (restored * 255 - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(
        STD).view(3, 1, 1)


def make_batch(sizes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 256, (3, h, w), generator=gen,
                            dtype=torch.uint8) for h, w in sizes]
    samples = []
    for h, w in sizes:
        sample = SegDataSample()
        sample.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build(restorer, **kwargs):
    cfg = dict(mean=MEAN, std=STD, bgr_to_rgb=True, **kwargs)
    return DeweatherSegDataPreProcessor(restorer=restorer, **cfg)


def test_restores_before_normalising_in_rgb():
    data = make_batch([(8, 12), (8, 12)])
    raw = [x.clone() for x in data['inputs']]
    out = build(GainRestorer())(data, training=False)['inputs']
    assert out.shape == (2, 3, 8, 12)
    for got, image in zip(out, raw):
        torch.testing.assert_close(got, expected(image, [1.0, 0.5, 0.25]))
    # Restoring after normalisation, or in BGR order, would give other values.
    wrong_order = expected(raw[0].flip(0), [1.0, 0.5, 0.25])
    assert not torch.allclose(out[0], wrong_order.flip(0))


def test_rgb_to_bgr_input_order():
    data = make_batch([(6, 6)])
    rgb = data['inputs'][0].clone()
    pre = DeweatherSegDataPreProcessor(
        restorer=GainRestorer(), mean=MEAN[::-1], std=STD[::-1],
        rgb_to_bgr=True)
    out = pre(data)['inputs'][0]
    restored_rgb = rgb.float() / 255 * torch.tensor([1.0, 0.5, 0.25]).view(
        3, 1, 1)
    want = (restored_rgb.flip(0) * 255 - torch.tensor(MEAN[::-1]).view(
        3, 1, 1)) / torch.tensor(STD[::-1]).view(3, 1, 1)
    torch.testing.assert_close(out, want)


def test_training_pads_mixed_sizes_after_restoring():
    data = make_batch([(8, 12), (10, 6)])
    raw = [x.clone() for x in data['inputs']]
    out = build(GainRestorer(), size=(12, 12), pad_val=0)(data, training=True)
    assert out['inputs'].shape == (2, 3, 12, 12)
    torch.testing.assert_close(out['inputs'][0, :, :8, :12],
                               expected(raw[0], [1.0, 0.5, 0.25]))
    torch.testing.assert_close(out['inputs'][1, :, :10, :6],
                               expected(raw[1], [1.0, 0.5, 0.25]))
    assert torch.all(out['inputs'][1, :, 10:, :] == 0)


def test_real_restorer_matches_its_restore_method():
    pre = build(TINY_RESTORER, untrained_restorer=True)
    data = make_batch([(16, 24)])
    image = data['inputs'][0].clone()
    out = pre(data)['inputs'][0]
    with torch.no_grad():
        restored = pre.restorer.restore(image.flip(0)[None].float() / 255)[0]
    want = (restored * 255 - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(
        STD).view(3, 1, 1)
    torch.testing.assert_close(out, want)
    assert type(pre.restorer).__name__ == 'DeweatherRestorer'


def test_frozen_restorer_stays_eval_and_gets_no_grad():
    pre = build(TINY_RESTORER, size=(16, 16), untrained_restorer=True)
    pre.train()
    assert not pre.restorer.training
    assert not any(p.requires_grad for p in pre.restorer.parameters())
    out = pre(make_batch([(16, 16)]), training=True)['inputs']
    assert not out.requires_grad


def test_trainable_restorer_gets_grad():
    pre = build(GainRestorer(), trainable=True, size=(8, 8))
    pre.train()
    out = pre(make_batch([(8, 8)]), training=True)['inputs']
    out.sum().backward()
    assert pre.restorer.gain.grad is not None
    assert torch.all(pre.restorer.gain.grad != 0)


def test_builds_from_config_file_and_checkpoint(tmp_path):
    source = MODELS.build(TINY_RESTORER)
    with torch.no_grad():
        for param in source.parameters():
            param.add_(0.5)
    ckpt = tmp_path / 'restorer.pth'
    save_checkpoint(dict(state_dict=source.state_dict()), str(ckpt))
    cfg_file = tmp_path / 'restorer_cfg.py'
    cfg_file.write_text(f'model = {TINY_RESTORER!r}\n')
    pre = MODELS.build(
        dict(type='DeweatherSegDataPreProcessor', restorer=str(cfg_file),
             restorer_checkpoint=str(ckpt), mean=MEAN, std=STD,
             bgr_to_rgb=True))
    for (name, got), want in zip(pre.restorer.state_dict().items(),
                                 source.state_dict().values()):
        torch.testing.assert_close(got, want, msg=name)


def test_bad_restorer_paths_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.py'):
        build(str(tmp_path / 'nowhere.py'))
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        build(TINY_RESTORER, restorer_checkpoint=str(tmp_path / 'missing.pth'))
    with pytest.raises(KeyError, match='type'):
        build(dict(network=dict()))
