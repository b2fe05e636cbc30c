import pytest
import torch
from mmengine.structures import PixelData
from torch import nn

from mofme_mm.models.losses.perceptual_loss import build_vgg16_features
from mofme_mm.models.restorers import DeweatherRestorer
from mofme_mm.structures import RestorationDataSample

TINY_MOFME = dict(
    type='MoFMEViT', embed_dims=16, depth=1, num_heads=2, head_dims=8,
    patch_size=4, head_channels=8, tail_channels=8,
    ffn_cfg=dict(type='fme', num_experts=4, top_k=2),
    router_cfg=dict(type='uar'))


class FakeMoENet(nn.Module):
    """Per-pixel network reporting fixed unweighted auxiliary losses."""

    def __init__(self, balance=2.0, uncertainty=4.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(0.5))
        self.balance = balance
        self.uncertainty = uncertainty
        self.calls = []

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        losses = dict(
            loss_balance=self.scale * 0 + self.balance,
            loss_uncertainty=self.scale * 0 + self.uncertainty)
        return (x * self.scale).clamp(0, 1), dict(losses=losses, routing=[])


def packed_batch(sizes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for index, (h, w) in enumerate(sizes):
        inputs.append(torch.randint(0, 256, (3, h, w), generator=gen,
                                    dtype=torch.uint8))
        sample = RestorationDataSample(metainfo=dict(
            img_path=f'img_{index}.png', weather='rain', ori_shape=(h, w)))
        sample.gt_img = PixelData(data=torch.randint(
            0, 256, (3, h, w), generator=gen, dtype=torch.uint8))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def rgb_unit(bgr_uint8):
    return bgr_uint8.flip(0).float() / 255


def test_loss_mode_weights_aux_losses_and_logs_them_apart():
    net = FakeMoENet(balance=2.0, uncertainty=4.0)
    model = DeweatherRestorer(network=net, balance_loss_weight=0.1,
                              uncertainty_loss_weight=0.25)
    batch = packed_batch([(16, 24), (16, 24)])
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_mse', 'loss_balance', 'loss_uncertainty'}
    assert losses['loss_balance'].item() == pytest.approx(0.2)
    assert losses['loss_uncertainty'].item() == pytest.approx(1.0)
    inputs = torch.stack([rgb_unit(x) for x in batch['inputs']])
    gts = torch.stack([rgb_unit(s.gt_img.data) for s in batch['data_samples']])
    expected = ((inputs * 0.5).clamp(0, 1) - gts).pow(2).mean()
    torch.testing.assert_close(losses['loss_mse'], expected)


def test_default_aux_weights_follow_the_paper():
    model = DeweatherRestorer(network=FakeMoENet(balance=1.0, uncertainty=1.0))
    data = model.data_preprocessor(packed_batch([(8, 8)]), True)
    losses = model(**data, mode='loss')
    assert losses['loss_balance'].item() == pytest.approx(1e-2)
    assert losses['loss_uncertainty'].item() == pytest.approx(5e-3)


def test_l1_loss_option():
    model = DeweatherRestorer(network=FakeMoENet(),
                              pixel_loss=dict(type='L1Loss'))
    batch = packed_batch([(8, 8)])
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    assert 'loss_l1' in losses and 'loss_mse' not in losses
    inputs = rgb_unit(batch['inputs'][0])
    gt = rgb_unit(batch['data_samples'][0].gt_img.data)
    torch.testing.assert_close(losses['loss_l1'],
                               ((inputs * 0.5) - gt).abs().mean())


def test_l1_plus_perceptual_option(tmp_path):
    vgg_path = tmp_path / 'vgg16.pth'
    torch.manual_seed(0)
    torch.save({f'features.{k}': v for k, v in
                build_vgg16_features(15).state_dict().items()}, vgg_path)
    model = DeweatherRestorer(
        network=FakeMoENet(),
        pixel_loss=[dict(type='L1Loss'),
                    dict(type='PerceptualLoss', loss_weight=0.04,
                         vgg_checkpoint=str(vgg_path))])
    data = model.data_preprocessor(packed_batch([(32, 32)]), True)
    losses = model(**data, mode='loss')
    assert {'loss_l1', 'loss_perceptual'} <= set(losses)
    assert losses['loss_perceptual'].item() > 0
    sum(losses.values()).backward()
    assert model.network.scale.grad is not None
    assert all(p.grad is None for p in model.pixel_losses[1].parameters())


def test_padded_mixed_sizes_only_count_valid_pixels():
    model = DeweatherRestorer(network=FakeMoENet(balance=0, uncertainty=0))
    batch = packed_batch([(8, 12), (10, 6)])
    data = model.data_preprocessor(batch, True)
    assert data['inputs'].shape == (2, 3, 10, 12)
    losses = model(**data, mode='loss')
    errors = [((rgb_unit(x) * 0.5) - rgb_unit(s.gt_img.data)).pow(2)
              for x, s in zip(batch['inputs'], batch['data_samples'])]
    expected = sum(e.sum() for e in errors) / sum(e.numel() for e in errors)
    torch.testing.assert_close(losses['loss_mse'], expected)


def test_real_network_loss_reaches_experts():
    torch.manual_seed(0)
    model = DeweatherRestorer(network=TINY_MOFME)
    data = model.data_preprocessor(packed_batch([(16, 16), (16, 16)]), True)
    losses = model(**data, mode='loss')
    assert {'loss_mse', 'loss_balance', 'loss_uncertainty'} == set(losses)
    sum(losses.values()).backward()
    params = dict(model.network.named_parameters())
    # the feature-modulation experts and the router both learn
    for name in ('blocks.0.ffn.weight', 'blocks.0.ffn.router.proj.weight'):
        assert params[name].grad is not None, name
        assert params[name].grad.abs().sum() > 0, name


@pytest.mark.parametrize('test_cfg', [
    dict(mode='whole'),
    dict(mode='tile', tile_size=8, tile_overlap=0, tile_batch_size=2),
    dict(mode='tile', tile_size=8, tile_overlap=2, tile_batch_size=3),
])
def test_predict_mode_crops_to_img_shape(test_cfg):
    net = FakeMoENet()
    model = DeweatherRestorer(network=net, test_cfg=test_cfg).eval()
    batch = packed_batch([(12, 20), (9, 7)])
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        samples = model(**data, mode='predict')
    for sample, raw in zip(samples, batch['inputs']):
        expected_in = rgb_unit(raw)
        assert sample.pred_img.data.shape == raw.shape
        torch.testing.assert_close(sample.input_img.data, expected_in)
        torch.testing.assert_close(sample.pred_img.data,
                                   (expected_in * 0.5).clamp(0, 1))
        assert sample.metainfo['img_shape'] == tuple(raw.shape[-2:])
    if test_cfg['mode'] == 'tile':
        assert all(shape[0] <= test_cfg['tile_batch_size']
                   and shape[-2:] == (8, 8) for shape in net.calls)


def test_tiled_restore_matches_whole_for_per_pixel_network():
    images = torch.rand(1, 3, 70, 90)
    whole = DeweatherRestorer(network=FakeMoENet()).restore(images)
    tiled = DeweatherRestorer(
        network=FakeMoENet(),
        test_cfg=dict(mode='tile', tile_size=32, tile_overlap=8)).restore(
            images)
    torch.testing.assert_close(whole, tiled)


def test_tensor_mode_returns_restored_batch():
    torch.manual_seed(0)
    model = DeweatherRestorer(
        network=TINY_MOFME,
        test_cfg=dict(mode='tile', tile_size=8)).eval()
    images = torch.rand(2, 3, 20, 28)
    with torch.no_grad():
        out = model(images, mode='tensor')
        raw = model.network(images)[0]
    assert out.shape == images.shape
    # the raw network output on the whole batch (test_cfg tiling is for
    # restore / predict only)
    torch.testing.assert_close(out, raw, rtol=0, atol=0)
    assert not torch.allclose(out[0], out[1], atol=1e-3)


@pytest.mark.parametrize('test_cfg', [
    dict(mode='whole'),
    dict(mode='tile', tile_size=16, tile_overlap=0, tile_batch_size=3),
    dict(mode='tile', tile_size=16, tile_overlap=4, tile_batch_size=5),
])
def test_predict_does_not_depend_on_batch_mates(test_cfg):
    """Real MoFMEViT (global attention): a mixed-size batch gives each image
    its single-image result."""
    torch.manual_seed(0)
    model = DeweatherRestorer(network=TINY_MOFME, test_cfg=test_cfg).eval()
    sizes = [(20, 28), (12, 18), (20, 28), (17, 9)]
    batch = packed_batch(sizes, seed=3)
    data = model.data_preprocessor(batch, False)
    assert data['inputs'].shape[-2:] == (20, 28)
    with torch.no_grad():
        mixed = model(**data, mode='predict')
        for index, sample in enumerate(mixed):
            single = packed_batch(sizes, seed=3)
            one = model.data_preprocessor(
                dict(inputs=[single['inputs'][index]],
                     data_samples=[single['data_samples'][index]]), False)
            alone = model(**one, mode='predict')[0]
            assert sample.pred_img.data.shape == (3, *sizes[index])
            torch.testing.assert_close(sample.pred_img.data,
                                       alone.pred_img.data,
                                       atol=1e-5, rtol=0)
            torch.testing.assert_close(sample.input_img.data,
                                       alone.input_img.data, atol=0, rtol=0)
            # and the same as restoring the bare image
            image = rgb_unit(single['inputs'][index])[None]
            torch.testing.assert_close(sample.pred_img.data,
                                       model.restore(image)[0],
                                       atol=1e-5, rtol=0)


def test_predict_rejects_img_shape_larger_than_the_batch():
    model = DeweatherRestorer(network=FakeMoENet())
    sample = RestorationDataSample(metainfo=dict(img_shape=(9, 9),
                                                 img_path='big.png'))
    with pytest.raises(ValueError, match='big.png'):
        model(torch.rand(1, 3, 8, 8), [sample], mode='predict')


@pytest.mark.parametrize('kwargs,field', [
    (dict(test_cfg=dict(mode='tiles')), 'test_cfg.mode'),
    (dict(test_cfg=dict(mode='tile', tile_size=0)), 'test_cfg.tile_size'),
    (dict(test_cfg=dict(mode='tile', tile_size=64, tile_overlap=40)),
     'test_cfg.tile_overlap'),
    (dict(test_cfg=dict(tile_batch_size=0)), 'test_cfg.tile_batch_size'),
    (dict(test_cfg=dict(tile=64)), 'test_cfg has unknown fields'),
    (dict(balance_loss_weight=-1), 'balance_loss_weight'),
    (dict(uncertainty_loss_weight='x'), 'uncertainty_loss_weight'),
    (dict(pixel_loss=[]), 'pixel_loss'),
    (dict(pixel_loss=dict(type='L1Loss', loss_weight=-1)), 'loss_weight'),
])
def test_bad_config_values_name_the_field(kwargs, field):
    with pytest.raises((ValueError, KeyError), match=field):
        DeweatherRestorer(network=FakeMoENet(), **kwargs)


def test_bad_mode_and_missing_gt():
    model = DeweatherRestorer(network=FakeMoENet())
    with pytest.raises(ValueError, match='mode'):
        model(torch.rand(1, 3, 4, 4), mode='train')
    with pytest.raises(ValueError, match='gt_img'):
        model(torch.rand(1, 3, 4, 4), [RestorationDataSample()], mode='loss')
