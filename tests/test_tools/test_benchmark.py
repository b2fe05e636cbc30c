"""Tests of tools/analysis/benchmark.py and mofme_mm.utils.benchmark*."""
import json
import math
import time

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mofme_mm.utils.benchmark import (
    build_network,
    load_network_cfg,
    make_step,
    network_key,
    time_round_robin,
)

KEYS = {'config', 'params_m', 'gmacs', 'gmacs_total', 'latency_s', 'images_per_s',
        'peak_mem_mb', 'flop_fraction', 'matmul_gflops'}


def test_load_network_cfg_plain_wrapped_and_overridden(write_config, tiny_network):
    plain = write_config('plain', tiny_network('fme', 4))
    wrapped = write_config('wrapped', tiny_network('moe', 4), wrap=True)
    assert network_key(plain) == 'model'
    assert network_key(wrapped) == 'model.network'
    assert load_network_cfg(plain).ffn_cfg.type == 'fme'
    cfg = load_network_cfg(wrapped, {'model.network.ffn_cfg.num_experts': 8})
    assert cfg.type == 'MoFMEViT' and cfg.ffn_cfg.num_experts == 8


def test_load_network_cfg_without_model_names_the_file(tmp_path):
    path = tmp_path / 'empty.py'
    path.write_text('x = 1\n')
    with pytest.raises(ValueError, match='empty.py'):
        load_network_cfg(str(path))


def test_time_round_robin_interleaves_configs():
    calls = []
    steps = {name: (lambda name=name: calls.append(name)) for name in 'ab'}
    times = time_round_robin(steps, repeat=3, warmup=2)
    assert calls == ['a', 'a', 'b', 'b'] + ['a', 'b'] * 3
    assert [len(times[name][kind]) for name in 'ab' for kind in ('wall', 'cpu')
            ] == [3, 3, 3, 3]
    assert all(t >= 0 for name in 'ab' for t in times[name]['wall'])


def test_time_round_robin_measures_cpu_time_of_busy_steps():
    def busy():
        end = time.process_time() + 0.02
        while time.process_time() < end:
            pass

    times = time_round_robin(dict(busy=busy, idle=lambda: time.sleep(0.02)), 2, 0)
    assert min(times['busy']['cpu']) >= 0.02
    assert max(times['idle']['cpu']) < 0.01 and min(times['idle']['wall']) >= 0.02


def test_make_step_train_updates_and_infer_does_not(write_config, tiny_network):
    network = build_network(write_config('uar', tiny_network('fme', 4, 'uar')))
    inputs = torch.rand(2, 3, 16, 16)
    before = [p.detach().clone() for p in network.parameters()]
    make_step(network, inputs, 'infer')()
    assert not network.training
    assert all(torch.equal(a, b) for a, b in zip(before, network.parameters()))
    make_step(network, inputs, 'train')()
    assert network.training
    assert any(not torch.equal(a, b) for a, b in zip(before, network.parameters()))
    with pytest.raises(ValueError, match='mode'):
        make_step(network, inputs, 'eval')


def _reference_gmacs(network, shape):
    """Activated GMACs per image counted another way than the tool: torch's
    FlopCounterMode (matmuls and convolutions as executed, so only the experts
    that received tokens) plus the attention products by hand."""
    network.eval()
    tokens = (shape[0] // 4) * (shape[1] // 4)  # patch_size 4
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        network(torch.rand(1, 3, *shape))
    counts = counter.get_flop_counts()['Global']
    counted = sum(v for k, v in counts.items() if 'scaled_dot' not in str(k))
    heads, head_dims = 2, 8
    attention = heads * tokens * tokens * 2 * head_dims
    return counted / 2 / 1e9 + attention / 1e9


def test_benchmark_json_records_are_consistent(write_config, tiny_network,
                                               load_tool, capsys):
    small = write_config('small', tiny_network('fme', 4), wrap=True)
    # 8 experts of 128 -> 512 -> 128: ~1.1M params, ~4 MB in fp32.
    big = write_config('big', dict(tiny_network('moe', 8), embed_dims=128,
                                   mlp_ratio=4.0))
    rate = 50.0  # GFLOP/s given, so the FLOP fractions have a known base
    load_tool('benchmark').main([small, big, '--shape', '16', '24', '--batch', '2',
                                 '--mode', 'train', '--repeat', '2', '--warmup', '1',
                                 '--threads', '1', '--matmul-gflops', str(rate),
                                 '--json'])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r['config'] for r in records] == [small, big]
    # the two networks by hand: D = 16 / 128, one block, 4 / 8 experts
    assert records[1]['params_m'] > 10 * records[0]['params_m']
    for record, path in zip(records, [small, big]):
        assert KEYS <= set(record)
        network = build_network(path)
        assert record['params_m'] == pytest.approx(
            sum(p.numel() for p in network.parameters()) / 1e6)
        # within 2%: far less than the experts' share of either network, so
        # counting all experts (or none) would fail
        reference = _reference_gmacs(network, (16, 24))
        assert record['gmacs_total'] == pytest.approx(reference, rel=0.02)
        assert record['gmacs'] < record['gmacs_total']
        assert record['matmul_gflops'] == record['matmul_gflops_cpu'] == rate
        # train mode: latency is per step of a batch of 2, and a step costs
        # 3 x the forward FLOPs of the 2 images
        assert record['batch'] == 2 and record['mode'] == 'train'
        assert record['images_per_s'] * record['latency_s'] == pytest.approx(2)
        step_gflop = 3 * 2 * reference * 2
        assert record['flop_fraction'] * rate * record['latency_s'] == \
            pytest.approx(step_gflop, rel=0.02)
        assert record['flop_fraction_cpu'] * rate * record['cpu_s'] == \
            pytest.approx(step_gflop, rel=0.02)
        assert 0 < record['latency_min_s'] <= record['latency_s']
    # parameters, gradients and two AdamW moments must all be resident
    big_params_mb = records[1]['params_m'] * 1e6 * 4 / 2**20
    assert records[1]['peak_mem_mb'] - records[0]['peak_mem_mb'] > 3.5 * big_params_mb
    assert math.isfinite(records[0]['peak_mem_mb'])


def test_benchmark_table_without_memory(write_config, tiny_network, load_tool,
                                        capsys):
    dense = write_config('dense', tiny_network('dense'))
    records = load_tool('benchmark').main(
        [dense, '--shape', '8', '8', '--repeat', '1', '--warmup', '0',
         '--matmul-gflops', '100', '--no-memory'])
    table = capsys.readouterr().out.splitlines()
    assert table[0].startswith('| config | params (M)')
    assert table[2].startswith(f'| {dense} |') and table[2].count('|') == 11
    assert records[0]['matmul_gflops'] == records[0]['matmul_gflops_cpu'] == 100
    assert records[0]['flop_fraction'] == pytest.approx(
        2 * records[0]['gmacs_total'] / records[0]['latency_s'] / 100)
    assert records[0]['peak_mem_mb'] is None and table[2].endswith(
        f"| - | {records[0]['flop_fraction']:.2f} "
        f"| {records[0]['flop_fraction_cpu']:.2f} |")
