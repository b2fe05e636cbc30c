"""test_cfg.precision of DeweatherRestorer and the precision helpers."""
import pytest
import torch
from mmengine.registry import DefaultScope
from torch import nn

from mofme_mm.models.restorers import DeweatherRestorer, check_test_cfg
from mofme_mm.models.restorers import precision as precision_module
from mofme_mm.models.restorers.precision import (
    LowPrecisionWeights,
    check_precision_supported,
    low_precision_parameters,
    set_config_precision,
)

NETWORK = dict(type='MoFMEViT', embed_dims=32, depth=1, num_heads=2,
               head_dims=16, mlp_ratio=2.0, patch_size=4, head_channels=8,
               tail_channels=8, ffn_cfg=dict(type='fme', num_experts=4,
                                             top_k=2),
               router_cfg=dict(type='uar'))


def _restorer(precision='fp32', **test_cfg):
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        return DeweatherRestorer(
            network=NETWORK,
            test_cfg=dict(test_cfg, precision=precision)).eval()


def test_test_cfg_precision_default_and_refusal():
    assert check_test_cfg(None)['precision'] == 'fp32'
    with pytest.raises(ValueError, match='model.test_cfg.precision'):
        check_test_cfg(dict(precision='bf8'))
    restorer = _restorer()
    restorer.set_precision('bf16')
    assert restorer.test_cfg['precision'] == 'bf16'
    with pytest.raises(ValueError, match='precision'):
        restorer.set_precision('float32')


def test_bf16_restore_equals_autocast_and_stays_close_to_fp32(cpu_bf16):
    restorer = _restorer('bf16')
    images = torch.rand(2, 3, 32, 40)
    with torch.no_grad():
        restored = restorer.restore(images)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            reference = restorer.network(images)[0].float().clamp(0, 1)
        restorer.set_precision('fp32')
        full = restorer.restore(images)
    assert restored.dtype == torch.float32
    # the cached low-precision weights are exactly autocast's casts
    assert torch.equal(restored, reference)
    assert not torch.equal(restored, full)
    torch.testing.assert_close(restored, full, atol=0.05, rtol=0)


def test_fp32_restore_turns_an_outer_autocast_off():
    restorer = _restorer('fp32')
    images = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        plain = restorer.restore(images)
        with torch.autocast('cpu', dtype=torch.bfloat16):
            inside = restorer.restore(images)
    assert torch.equal(plain, inside)


def test_tiled_bf16_restore_blends_in_fp32(cpu_bf16):
    restorer = _restorer('bf16', mode='tile', tile_size=16, tile_overlap=4,
                         tile_batch_size=3)
    images = torch.rand(1, 3, 40, 36)
    with torch.no_grad():
        restored = restorer.restore(images)
        restorer.set_precision('fp32')
        full = restorer.restore(images)
    assert restored.dtype == torch.float32
    torch.testing.assert_close(restored, full, atol=0.05, rtol=0)


def test_cached_weights_follow_new_weights(cpu_bf16):
    restorer = _restorer('bf16')
    images = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        before = restorer.restore(images)
        other = _restorer('bf16')
        for param in other.parameters():
            param.add_(0.05 * torch.randn_like(param))
        restorer.load_state_dict(other.state_dict())
        after = restorer.restore(images)
        expected = other.restore(images)
    assert not torch.equal(before, after)
    assert torch.equal(after, expected)


def test_low_precision_weights_are_cached_and_renewed():
    network = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
    cache = LowPrecisionWeights()
    first = cache.get(network, torch.bfloat16)
    assert sorted(first) == ['0.bias', '0.weight']  # not the LayerNorm's
    assert all(t.dtype == torch.bfloat16 for t in first.values())
    assert cache.get(network, torch.bfloat16)['0.weight'] is first['0.weight']
    with torch.no_grad():
        network[0].weight.mul_(2)
    renewed = cache.get(network, torch.bfloat16)['0.weight']
    assert renewed is not first['0.weight']
    torch.testing.assert_close(renewed.float(), network[0].weight.detach(),
                               atol=0.02, rtol=0.01)


def test_low_precision_parameters_cover_experts_not_norms():
    restorer = _restorer()
    names = {name for name, _ in low_precision_parameters(restorer.network)}
    assert 'blocks.0.ffn.weight' in names and 'blocks.0.ffn.bias' in names
    assert 'blocks.0.ffn.router.proj.weight' in names
    assert 'head.0.weight' in names and 'tail.0.conv1.weight' in names
    assert not [n for n in names if 'norm' in n]


def test_bf16_restore_with_gradients_trains_fp32_weights(cpu_bf16):
    restorer = _restorer('bf16')
    restorer.train()
    restored = restorer.restore(torch.rand(1, 3, 16, 16))
    restored.mean().backward()
    grads = [p.grad for p in restorer.network.parameters()]
    assert all(g is None or g.dtype == torch.float32 for g in grads)
    assert restorer.network.head[0].weight.grad.abs().sum() > 0


def test_fp16_needs_cpu_support(monkeypatch):
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_fp16_supported',
                        lambda: False)
    with pytest.raises(ValueError, match='avx512_fp16'):
        check_precision_supported('fp16', 'cpu')
    restorer = _restorer('fp16')
    with pytest.raises(ValueError, match='fp16'):
        restorer.restore(torch.rand(1, 3, 8, 8))
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_fp16_supported',
                        lambda: True)
    check_precision_supported('fp16', 'cpu')


def test_bf16_needs_cpu_support(monkeypatch):
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_bf16_supported',
                        lambda: False)
    with pytest.raises(ValueError, match='avx512_bf16'):
        check_precision_supported('bf16', 'cpu')
    check_precision_supported('fp32', 'cpu')


def test_bf16_cpu_flags_reads_cpuinfo(monkeypatch, tmp_path):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 '
                       'amx_tile\n')
    real_open = open
    monkeypatch.setattr(
        'builtins.open', lambda path, *a, **k: real_open(
            cpuinfo if path == '/proc/cpuinfo' else path, *a, **k))
    assert precision_module.bf16_cpu_flags() == ['avx512_bf16']


def test_set_config_precision_restorer_and_downstream():
    restorer = dict(type='DeweatherRestorer', network=NETWORK)
    assert set_config_precision(restorer, 'bf16') == [
        'model.test_cfg.precision']
    assert restorer['test_cfg'] == dict(precision='bf16')
    segmentor = dict(type='EncoderDecoder',
                     data_preprocessor=dict(type='mofme_mm.X', restorer='r.py'),
                     backbone=dict(type='ResNetV1c'))
    assert set_config_precision(segmentor, 'fp16') == [
        'model.data_preprocessor.precision']
    assert segmentor['data_preprocessor']['precision'] == 'fp16'
    assert 'precision' not in segmentor['backbone']
    with pytest.raises(ValueError, match='has none'):
        set_config_precision(dict(type='EncoderDecoder'), 'bf16')
    with pytest.raises(ValueError, match='precision'):
        set_config_precision(restorer, 'int8')
