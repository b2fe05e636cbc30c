import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool():
    path = ROOT / 'tools' / 'analysis' / 'get_flops.py'
    spec = importlib.util.spec_from_file_location('get_flops', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tiny_config(tmp_path, name, ffn, router='topk'):
    cfg = tmp_path / f'{name}.py'
    cfg.write_text(
        "model = dict(type='DeweatherRestorer', network=dict(\n"
        "    type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,\n"
        "    head_dims=8, patch_size=4, head_channels=4, tail_channels=4,\n"
        f"    ffn_cfg={ffn!r}, router_cfg=dict(type='{router}')))\n")
    return str(cfg)


def test_json_output_and_only_activated_experts_count(tmp_path, capsys):
    tool = _load_tool()
    stats = {}
    for e in (4, 64):
        cfg = _tiny_config(tmp_path, f'moe{e}',
                           dict(type='moe', num_experts=e, top_k=2))
        tool.main([cfg, '--shape', '16', '24', '--json'])
        stats[e] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert stats[4]['config'].endswith('moe4.py')
    assert {'params_m', 'gmacs', 'gmacs_total'} <= set(stats[4])
    tokens, dims = 4 * 6, 16
    # each expert: two linears 16 -> 64 -> 16
    expert_params = 2 * dims * 64 + 64 + dims
    assert (stats[64]['params_m'] - stats[4]['params_m']) * 1e6 == \
        pytest.approx(60 * (expert_params + dims + 1))  # + router row
    # more experts, same activated cost, except the wider router
    router_macs = tokens * dims * 60
    assert (stats[64]['gmacs'] - stats[4]['gmacs']) * 1e9 == pytest.approx(
        router_macs)
    # top-2 over a dense FFN: one extra expert per token
    dense_cfg = _tiny_config(tmp_path, 'dense', dict(type='dense'))
    tool.main([dense_cfg, '--shape', '16', '24', '--json'])
    dense = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    ffn_macs = tokens * 2 * dims * 64
    assert (stats[4]['gmacs'] - dense['gmacs']) * 1e9 == pytest.approx(
        ffn_macs + tokens * dims * 4)


@pytest.mark.parametrize('config,params_m,gmacs', [
    ('configs/ablation/vit_allweather.py', 8.71, 34.93),
    ('configs/ablation/moe-vit_allweather.py', 44.19, 37.06),
    ('configs/mofme_allweather.py', 18.53, 36.37),
    ('configs/ablation/moe-vit-fme_allweather.py', 18.53, 36.26),
    ('configs/ablation/moe-vit-uar_allweather.py', 44.19, 37.17),
    ('configs/scaling/mofme_e64_allweather.py', 47.1, 37.43),
    ('configs/scaling/mofme_e128_allweather.py', 85.2, 37.43),
])
def test_paper_rows_within_five_percent(config, params_m, gmacs, capsys):
    stats = _load_tool().main([str(ROOT / config), '--shape', '240', '240'])
    assert 'activated GMACs' in capsys.readouterr().out
    assert stats['params_m'] == pytest.approx(params_m, rel=0.05)
    assert stats['gmacs'] == pytest.approx(gmacs, rel=0.05)
    assert stats['gmacs_total'] > stats['gmacs']
