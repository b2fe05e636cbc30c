"""The routing uncertainty map: network, restorer (whole / tiled), predict."""
import pytest
import torch

from mofme_mm.models.backbones import MoFMEViT
from mofme_mm.models.restorers import DeweatherRestorer
from mofme_mm.structures import RestorationDataSample

NET = dict(type='MoFMEViT', embed_dims=16, depth=2, num_heads=2, head_dims=8,
           mlp_ratio=2, patch_size=4, head_channels=4, tail_channels=4,
           ffn_cfg=dict(type='fme', num_experts=4, top_k=2))


def restorer(router=None, **test_cfg):
    torch.manual_seed(0)
    net = dict(NET, router_cfg=router or dict(type='uar'))
    return DeweatherRestorer(network=net, test_cfg=test_cfg or None).eval()


def test_network_map_shape_and_unchanged_restoration():
    torch.manual_seed(0)
    net = MoFMEViT(**{k: v for k, v in NET.items() if k != 'type'},
                   router_cfg=dict(type='uar')).eval()
    x = torch.rand(2, 3, 30, 42)  # pads to 32 x 44: 8 x 11 tokens
    with torch.no_grad():
        plain, _ = net(x)
        out, aux = net(x, return_uncertainty=True)
    assert aux['uncertainty'].shape == (2, 1, 30, 42)
    assert aux['uncertainty'].dtype == torch.float32
    assert (aux['uncertainty'] >= 0).all()
    assert aux['uncertainty'].max() > 0
    torch.testing.assert_close(out, plain, rtol=0, atol=0)


def test_restorer_map_range_and_determinism_in_eval():
    model = restorer()
    x = torch.rand(2, 3, 24, 40)
    with torch.no_grad():
        restored, unc, peak = model.restore_with_uncertainty(x)
        again = model.restore_with_uncertainty(x)[1]
        torch.testing.assert_close(restored, model.restore(x), rtol=0,
                                   atol=0)
    assert unc.shape == (2, 1, 24, 40)
    assert unc.min() >= 0 and unc.max() <= 1
    assert torch.allclose(unc.flatten(1).amax(1), torch.ones(2))
    assert (peak > 0).all()
    torch.testing.assert_close(unc, again, rtol=0, atol=0)
    # one image alone gets the same map as in its batch
    with torch.no_grad():
        alone = model.restore_with_uncertainty(x[1:])[1]
    torch.testing.assert_close(alone, unc[1:], rtol=0, atol=1e-6)
    # the map depends on the content: tokens differ, spreads differ
    assert unc[0].std() > 0


def test_zero_variance_gives_zero_map():
    model = restorer(dict(type='uar', dropout=0.0))
    with torch.no_grad():
        _, unc, peak = model.restore_with_uncertainty(torch.rand(1, 3, 16, 16))
    assert (unc == 0).all() and (peak == 0).all()


def test_tiled_map_is_stitched():
    whole = restorer()
    tiled = restorer(mode='tile', tile_size=16, tile_overlap=0)
    x = torch.rand(1, 3, 32, 48)
    with torch.no_grad():
        u_whole = whole.restore_with_uncertainty(x)[1]
        u_tiled = tiled.restore_with_uncertainty(x)[1]
        one_tile = whole.restore_with_uncertainty(x[..., 16:32, 32:48])
    assert u_tiled.shape == (1, 1, 32, 48)
    # every tile holds that tile's own map (up to the frame's normalisation)
    raw_tile = one_tile[1] * one_tile[2].view(-1, 1, 1, 1)
    with torch.no_grad():
        _, unc, peak = tiled.restore_with_uncertainty(x)
    raw_tiled = unc * peak.view(-1, 1, 1, 1)
    torch.testing.assert_close(raw_tiled[..., 16:32, 32:48], raw_tile,
                               rtol=1e-5, atol=1e-7)
    assert not torch.equal(u_whole, u_tiled)  # global attention differs
    overlapped = restorer(mode='tile', tile_size=16, tile_overlap=4)
    with torch.no_grad():
        u_blend = overlapped.restore_with_uncertainty(x)[1]
    assert u_blend.shape == (1, 1, 32, 48) and u_blend.max() <= 1


def test_predict_writes_pred_uncertainty_only_when_asked():
    x = torch.rand(2, 3, 20, 24)
    samples = [RestorationDataSample(metainfo=dict(img_shape=(20, 24))),
               RestorationDataSample(metainfo=dict(img_shape=(16, 20)))]
    with torch.no_grad():
        plain = restorer().predict(x, samples)
    assert 'pred_uncertainty' not in plain[0]
    samples = [RestorationDataSample(metainfo=dict(img_shape=(20, 24))),
               RestorationDataSample(metainfo=dict(img_shape=(16, 20)))]
    with torch.no_grad():
        out = restorer(uncertainty=True).predict(x, samples)
    assert out[0].pred_uncertainty.data.shape == (1, 20, 24)
    assert out[1].pred_uncertainty.data.shape == (1, 16, 20)
    assert out[1].pred_uncertainty.uncertainty_peak > 0
    with pytest.raises(ValueError, match='uncertainty must be True or False'):
        restorer(uncertainty='yes')


@pytest.mark.parametrize('ffn,router,name', [
    ('fme', dict(type='topk'), 'TopKRouter'),
    ('dense', dict(type='topk'), 'no router'),
])
def test_router_without_mc_passes_is_refused_by_name(ffn, router, name):
    torch.manual_seed(0)
    net = dict(NET, ffn_cfg=dict(type=ffn, num_experts=4, top_k=2),
               router_cfg=router)
    model = DeweatherRestorer(network=net).eval()
    with pytest.raises(ValueError, match=name) as info:
        model.restore_with_uncertainty(torch.rand(1, 3, 16, 16))
    assert "router_cfg=dict(type='uar')" in str(info.value)
