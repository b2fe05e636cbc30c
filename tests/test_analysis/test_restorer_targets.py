"""The #14 measures: expert usage, probe, region means, rank correlation,
and tools/analysis/restorer_targets.py on a checkpoint."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mofme_mm.analysis.restorer_targets import (
    expert_usage,
    gradient_statistics,
    probe_accuracy,
    record_router_inputs,
    record_routing_probabilities,
    region_means,
    spearman,
)
from mofme_mm.models.layers.topk_router import TopKRouter
from mofme_mm.models.layers.uncertainty_router import UncertaintyRouter
from mofme_mm.models.utils import build_restorer

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_expert_usage_is_a_histogram_per_layer():
    first = dict(indices=torch.tensor([[[0, 1], [0, 2]], [[3, 3], [3, 1]]]))
    second = dict(indices=torch.tensor([[[1, 1], [1, 1]], [[0, 2], [2, 0]]]))
    rows = expert_usage([first, second], 4)
    np.testing.assert_allclose(rows[0], [.5, .25, .25, 0, 0, 1, 0, 0])
    np.testing.assert_allclose(rows[1], [0, .25, 0, .75, .5, 0, .5, 0])
    with pytest.raises(ValueError, match='no MoE layer'):
        expert_usage([], 4)


def test_probe_separates_separable_weathers_and_not_noise():
    rng = np.random.default_rng(0)
    rain = rng.normal(0, 1, (40, 4)) + [3, 0, 0, 0]
    fog = rng.normal(0, 1, (40, 4)) - [3, 0, 0, 0]
    x = np.concatenate([rain, fog])
    y = ['rain'] * 40 + ['fog'] * 40
    assert probe_accuracy(x[::2], y[::2], x[1::2], y[1::2]) > 0.95
    noise = rng.normal(0, 1, (80, 4))
    assert probe_accuracy(noise[::2], y[::2], noise[1::2], y[1::2]) < 0.8
    with pytest.raises(ValueError, match='two weathers'):
        probe_accuracy(x[:10], ['rain'] * 10, x[10:], y[10:])


def test_record_router_inputs_keeps_each_calls_mean_token_then_unhooks():
    routers = torch.nn.ModuleList([TopKRouter(8, 4, 2),
                                   UncertaintyRouter(8, 4, 2)]).eval()
    first, second = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    with record_router_inputs(routers) as records:
        routers[0](first)
        routers[1](second)
    assert len(records) == 2
    np.testing.assert_allclose(records[0], first.double().mean(1).numpy())
    np.testing.assert_allclose(records[1], second.double().mean(1).numpy())
    routers[0](first)  # after the context: no hook left
    assert len(records) == 2
    assert not routers[0]._forward_pre_hooks


def test_record_routing_probabilities_keeps_each_calls_mean_softmax():
    routers = torch.nn.ModuleList([TopKRouter(8, 4, 1),
                                   UncertaintyRouter(8, 3, 2)]).eval()
    first, second = torch.randn(2, 5, 8), torch.randn(2, 7, 8)
    with record_routing_probabilities(routers) as records:
        expected = [routers[0](first).probs, routers[1](second).probs]
    assert [r.shape for r in records] == [(2, 4), (2, 3)]
    for record, probs in zip(records, expected):
        np.testing.assert_allclose(record, probs.detach().double().mean(1),
                                   rtol=1e-6)
        np.testing.assert_allclose(record.sum(1), 1.0, rtol=1e-6)
    routers[1](second)  # after the context: no hook left
    assert len(records) == 2
    assert not routers[1]._forward_hooks


def test_gradient_statistics_tell_vertical_streaks_from_flat_images():
    streaks = torch.zeros(1, 3, 6, 8)
    streaks[..., ::2] = 1.0  # vertical stripes: every column change is 1
    flat = torch.full((1, 3, 6, 8), 0.5)
    rows = gradient_statistics(torch.cat([streaks, flat]))
    np.testing.assert_allclose(rows[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(rows[1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(
        gradient_statistics(streaks.transpose(-1, -2))[0, :2], [0.0, 1.0])


def test_region_means_and_spearman():
    image = np.arange(36, dtype=float).reshape(6, 6)
    np.testing.assert_allclose(region_means(image, 3),
                               [7, 10, 25, 28])
    assert len(region_means(np.ones((7, 8)), 3)) == 4  # whole blocks only
    assert spearman([1, 2, 3, 4], [10, 20, 30, 100]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3]))


@pytest.mark.parametrize('router', ['uar', 'topk'])
def test_tool_measures_a_checkpoint_on_the_toy_tree(tmp_path, router,
                                                    toy_cityscapes_root):
    """The whole tool, run as users run it, on a random-weight tiny
    restorer: with --json its stdout is the JSON alone (the log goes to
    stderr), every weather, the probe, and the uncertainty rows only with
    UaR; the toy config's data_root reaches its datasets through
    --cfg-options."""
    base = osp.join(REPO, 'configs', 'toy', 'mofme_toy_demo_restorer.py')
    config = tmp_path / 'tiny.py'
    config.write_text(
        f'_base_ = [{base!r}]\n'
        'model = dict(network=dict(embed_dims=16, num_heads=2, head_dims=8, '
        'patch_size=4, head_channels=4, tail_channels=4, '
        f'router_cfg=dict(_delete_=True, type={router!r})), '
        "test_cfg=dict(_delete_=True, mode='whole'))\n")
    model = build_restorer(Config.fromfile(str(config)).model)
    checkpoint = tmp_path / 'tiny.pth'
    torch.save(dict(state_dict=model.state_dict()), checkpoint)
    out = tmp_path / 'targets.json'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    run = subprocess.run(
        [sys.executable, osp.join('tools', 'analysis', 'restorer_targets.py'),
         str(config), str(checkpoint), '--json', '--out', str(out),
         '--region', '8', '--cfg-options', f'data_root={toy_cityscapes_root}'],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert json.loads(out.read_text()) == result
    assert sorted(result['weathers']) == ['fog', 'rain']
    for row in result['weathers'].values():
        assert type(row['meets_psnr']) is bool
        assert row['grid_clean'] >= 0
        assert ('uncertainty_spearman_mean' in row) == (router == 'uar')
    for key in ('accuracy', 'probabilities_accuracy',
                'router_input_accuracy', 'input_gradients_accuracy'):
        assert 0 <= result['probe'][key] <= 1
    assert result['probe']['majority'] == 2 / 3  # 8 rain, 4 fog val images
    assert result['probe']['train_images'] == 4 * (2 * 2 + 2)
    assert result['router'] == ('uar' if router == 'uar' else 'no MC router')
