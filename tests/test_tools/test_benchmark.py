"""Tests of tools/analysis/benchmark.py and mofme_mm.analysis.benchmark*.

Nothing here is timed: the records are checked for their schema and for
the arithmetic that ties their fields together.
"""
import json
import math
import time

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from mofme_mm.analysis.benchmark import (
    build_benchmark_restorer,
    build_network,
    frame_tiles,
    load_network_cfg,
    make_step,
    network_key,
    time_round_robin,
)
from mofme_mm.analysis.stage_profile import STAGE_NAMES, stage_modules
from mofme_mm.models.layers import sparse_dispatch

KEYS = {'config', 'precision', 'params_m', 'gmacs', 'gmacs_total',
        'latency_s', 'latency_min_s', 'cpu_s', 'images_per_s', 'peak_mem_mb',
        'flop_fraction', 'flop_fraction_cpu', 'matmul_gflops',
        'matmul_gflops_cpu', 'bound_s', 'achieved_gflops', 'stages_s',
        'frame', 'tiles', 'test_cfg', 'mode', 'batch', 'shape', 'threads'}


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
    restorer = build_benchmark_restorer(
        write_config('uar', tiny_network('fme', 4, 'uar')))
    inputs = torch.rand(2, 3, 16, 16)
    params = list(restorer.network.parameters())
    before = [p.detach().clone() for p in params]
    make_step(restorer, inputs, 'infer')()
    assert not restorer.training
    assert all(torch.equal(a, b) for a, b in zip(before, params))
    make_step(restorer, inputs, 'train')()
    assert restorer.training
    assert any(not torch.equal(a, b) for a, b in zip(before, params))
    with pytest.raises(ValueError, match='mode'):
        make_step(restorer, inputs, 'eval')


def test_stage_modules_cover_the_network(write_config, tiny_network):
    network = build_network(write_config('fme', tiny_network('fme', 4)))
    stages = stage_modules(network)
    assert [len(stages[s]) for s in ('conv head', 'attention', 'experts',
                                     'conv tail')] == [3, 2, 1, 2]
    assert stages['experts'][0] is network.blocks[0].ffn


def _reference_gmacs(network, shape, monkeypatch):
    """Activated GMACs per image counted another way than the tool: torch's
    FlopCounterMode (matmuls and convolutions as executed, so only the experts
    that received tokens) plus the attention products by hand. The experts
    run their per-expert ``mm`` path here: FlopCounterMode has no formula
    for ``grouped_mm`` and would count them as nothing."""
    network.eval()
    tokens = (shape[0] // 4) * (shape[1] // 4)  # patch_size 4
    monkeypatch.setattr(sparse_dispatch, '_grouped_mm_supported',
                        lambda x, weight: False)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        network(torch.rand(1, 3, *shape))
    monkeypatch.undo()
    counts = counter.get_flop_counts()['Global']
    counted = sum(v for k, v in counts.items() if 'scaled_dot' not in str(k))
    heads, head_dims = 2, 8
    attention = heads * tokens * tokens * 2 * head_dims
    return counted / 2 / 1e9 + attention / 1e9


def test_benchmark_json_records_are_consistent(write_config, tiny_network,
                                               load_tool, capsys, monkeypatch):
    small = write_config('small', tiny_network('fme', 4), wrap=True)
    # 8 experts of 128 -> 512 -> 128: ~1.1M params, ~4 MB in fp32.
    big = write_config('big', dict(tiny_network('moe', 8), embed_dims=128,
                                   mlp_ratio=4.0))
    rate = 50.0  # GFLOP/s given, so the FLOP fractions have a known base
    load_tool('benchmark').main([small, big, '--shape', '16', '24', '--batch', '2',
                                 '--mode', 'train', '--repeat', '2', '--warmup', '1',
                                 '--threads', '1', '--matmul-gflops', str(rate),
                                 '--stages', '0', '--json'])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r['config'] for r in records] == [small, big]
    # the two networks by hand: D = 16 / 128, one block, 4 / 8 experts
    assert records[1]['params_m'] > 10 * records[0]['params_m']
    for record, path in zip(records, [small, big]):
        assert KEYS <= set(record)
        assert record['precision'] == 'fp32' and record['stages_s'] is None
        network = build_network(path)
        assert record['params_m'] == pytest.approx(
            sum(p.numel() for p in network.parameters()) / 1e6)
        # within 2%: far less than the experts' share of either network, so
        # counting all experts (or none) would fail
        reference = _reference_gmacs(network, (16, 24), monkeypatch)
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


def test_benchmark_json_fp32_and_bf16_each_against_its_own_rate(
        write_config, tiny_network, load_tool, capsys, cpu_bf16):
    config = write_config('fme', tiny_network('fme', 4), wrap=True)
    load_tool('benchmark').main([config, '--shape', '16', '16', '--repeat', '1',
                                 '--warmup', '0', '--threads', '1',
                                 '--precision', 'fp32', 'bf16',
                                 '--matmul-gflops', 'fp32=40', 'bf16=160',
                                 '--stages', '1', '--no-memory', '--json'])
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r['config'], r['precision']) for r in records] == [
        (config, 'fp32'), (config, 'bf16')]
    for record, rate in zip(records, (40, 160)):
        assert KEYS <= set(record)
        assert record['test_cfg']['precision'] == record['precision']
        assert record['matmul_gflops'] == rate
        assert record['flop_fraction'] == pytest.approx(
            2 * record['gmacs_total'] / record['latency_s'] / rate)
        assert record['bound_s'] == pytest.approx(
            record['latency_s'] * record['flop_fraction'])
        stages = record['stages_s']
        assert set(stages) == set(STAGE_NAMES) | {'total'}
        assert all(stages[s] >= 0 for s in STAGE_NAMES)
        assert sum(stages[s] for s in STAGE_NAMES) == pytest.approx(
            stages['total'])
    assert records[0]['gmacs_total'] == records[1]['gmacs_total']


def test_benchmark_frame_runs_the_tiled_test_cfg(tmp_path, tiny_network,
                                                 load_tool, capsys):
    tile_cfg = dict(mode='tile', tile_size=8, tile_overlap=0,
                    tile_batch_size=4)
    model = dict(type='DeweatherRestorer', network=tiny_network('moe', 4),
                 test_cfg=tile_cfg)
    config = str(tmp_path / 'tiled.py')
    (tmp_path / 'tiled.py').write_text(f'model = {model!r}\n')
    records = load_tool('benchmark').main(
        [config, '--frame', '--shape', '16', '40', '--repeat', '1',
         '--warmup', '0', '--matmul-gflops', '100', '--no-memory',
         '--stages', '0', '--json'])
    record = json.loads(capsys.readouterr().out.splitlines()[0])
    assert record == records[0]
    assert record['frame'] is True and record['tiles'] == 2 * 5
    assert record['test_cfg']['mode'] == 'tile'
    assert record['shape'] == [16, 40] and record['batch'] == 1
    tile = build_benchmark_restorer(config, test_cfg=dict(mode='whole'))
    from mofme_mm.analysis.complexity import model_complexity
    per_tile = model_complexity(tile.network, (8, 8))['gmacs_total']
    assert record['gmacs_total'] == pytest.approx(10 * per_tile)
    assert record['latency_s'] > 0 and record['flop_fraction'] > 0
    assert frame_tiles((16, 40), record['test_cfg']) == 10
    assert frame_tiles((16, 40), dict(mode='whole')) == 1


def test_benchmark_refuses_frame_with_train_or_batch(write_config, tiny_network,
                                                     load_tool, capsys):
    config = write_config('fme', tiny_network('fme', 4), wrap=True)
    with pytest.raises(SystemExit):
        load_tool('benchmark').main([config, '--frame', '--batch', '2'])
    assert '--frame' in capsys.readouterr().err


def test_benchmark_fp16_on_a_cpu_without_it_names_the_flag(
        write_config, tiny_network, load_tool, capsys, monkeypatch):
    monkeypatch.setattr(torch.ops.mkldnn, '_is_mkldnn_fp16_supported',
                        lambda: False)
    config = write_config('fme', tiny_network('fme', 4), wrap=True)
    with pytest.raises(SystemExit):
        load_tool('benchmark').main([config, '--precision', 'fp16'])
    err = capsys.readouterr().err
    assert '--precision' in err and 'avx512_fp16' in err


def test_benchmark_table_without_memory(write_config, tiny_network, load_tool,
                                        capsys):
    dense = write_config('dense', tiny_network('dense'))
    records = load_tool('benchmark').main(
        [dense, '--shape', '8', '8', '--repeat', '1', '--warmup', '0',
         '--matmul-gflops', '100', '--no-memory', '--stages', '1'])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('| config | precision | params (M)')
    assert lines[2].startswith(f'| {dense} | fp32 |') and \
        lines[2].count('|') == 13
    assert records[0]['matmul_gflops'] == records[0]['matmul_gflops_cpu'] == 100
    assert records[0]['flop_fraction'] == pytest.approx(
        2 * records[0]['gmacs_total'] / records[0]['latency_s'] / 100)
    assert records[0]['peak_mem_mb'] is None and lines[2].endswith(
        f"| - | {records[0]['bound_s']:.3f} "
        f"| {records[0]['flop_fraction']:.2f} "
        f"| {records[0]['flop_fraction_cpu']:.2f} |")
    split = lines.index('per-stage split (seconds per step, share of the step):')
    assert lines[split + 1].startswith('| config | precision | conv head |')
    assert lines[split + 3].startswith(f'| {dense} | fp32 |')
