"""Tests of tools/analysis/scaling.py."""
import csv

import pytest


def test_scaling_writes_a_row_per_model_and_expert_count(write_config, tiny_network,
                                                         load_tool, tmp_path):
    moe = write_config('moe', tiny_network('moe', 16), wrap=True)
    fme = write_config('fme', tiny_network('fme', 16))
    out = tmp_path / 'out'
    load_tool('scaling').main([
        '--moe-config', moe, '--mofme-config', fme, '--experts', '2', '4', '8',
        '--shape', '8', '8', '--repeat', '1', '--warmup', '0', '--matmul-size', '64',
        '--out-dir', str(out)])
    with open(out / 'scaling.csv') as f:
        rows = list(csv.DictReader(f))
    assert [(r['model'], int(r['num_experts'])) for r in rows] == [
        ('MoE', 2), ('MoE', 4), ('MoE', 8), ('MoFME', 2), ('MoFME', 4), ('MoFME', 8)]
    params = {(r['model'], int(r['num_experts'])): float(r['params_m']) for r in rows}
    # one classic expert: 16 -> 32 -> 16 FFN = 1072 weights; one FM expert:
    # a 16 -> 32 (gamma, beta) linear = 544; plus 17 router weights each.
    for model, per_expert in (('MoE', 1072 + 17), ('MoFME', 544 + 17)):
        assert (params[model, 8] - params[model, 4]) * 1e6 == pytest.approx(
            4 * per_expert)
    assert all(params['MoFME', e] < params['MoE', e] for e in (4, 8))
    assert all(float(r['latency_s']) > 0 for r in rows)
    png = (out / 'scaling.png').read_bytes()
    assert png.startswith(b'\x89PNG') and len(png) > 10_000


def test_scaling_missing_config_names_the_flag(load_tool, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        load_tool('scaling').main(['--moe-config', str(tmp_path / 'nope.py')])
    assert exit_info.value.code == 2
    assert 'argument --moe-config' in capsys.readouterr().err
