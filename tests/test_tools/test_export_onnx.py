"""tools/deployment/export_onnx.py and mofme_mm.deployment (ONNX export)."""
import importlib.util
import json
import logging
import os
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.registry import DefaultScope

from mofme_mm.apis import init_restorer
from mofme_mm.registry import MODELS

pytest.importorskip('onnxruntime')
pytest.importorskip('onnxscript')

from mofme_mm.deployment.onnx_export import export_onnx  # noqa: E402
from mofme_mm.deployment.onnx_runtime import OnnxRestorer  # noqa: E402
from mofme_mm.deployment.stdout_guard import stdout_to_stderr  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _network(ffn, router='topk', num_experts=6, top_k=2):
    return dict(type='MoFMEViT', embed_dims=16, depth=2, num_heads=2,
                head_dims=8, mlp_ratio=2.0, patch_size=4, head_channels=4,
                tail_channels=4, router_cfg=dict(type=router),
                ffn_cfg=dict(type=ffn, num_experts=num_experts, top_k=top_k))


def _restorer_files(tmp_path, name, network):
    """A restorer config and a checkpoint of its (seeded random) weights."""
    model = dict(type='DeweatherRestorer', network=network)
    config = tmp_path / f'{name}.py'
    config.write_text(f'model = {model!r}\n')
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        restorer = MODELS.build(model)
    # larger router weights: different images route very differently
    with torch.no_grad():
        for block in restorer.network.blocks:
            block.ffn.router.proj.weight.mul_(20)
    checkpoint = tmp_path / f'{name}.pth'
    torch.save(dict(state_dict=restorer.state_dict(), meta={}), checkpoint)
    return str(config), str(checkpoint)


def _tool():
    path = osp.join(REPO, 'tools', 'deployment', 'export_onnx.py')
    spec = importlib.util.spec_from_file_location('export_onnx_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('ffn,router', [('fme', 'uar'), ('moe', 'topk')])
def test_export_matches_pytorch_on_unseen_sizes(tmp_path, capsys, ffn, router):
    config, checkpoint = _restorer_files(tmp_path, ffn, _network(ffn, router))
    out = str(tmp_path / 'out' / f'{ffn}.onnx')
    # loggers made before the tool runs (by an earlier tool or test) write
    # to the stdout of their time: their lines must not reach the JSON
    MMLogger.get_instance(f'earlier_{ffn}', log_level='INFO')
    # traced at 16 x 24; checked at that size, an unseen multiple of the
    # patch and an unseen size that is none (padded as the network pads)
    result = _tool().main([config, checkpoint, '--out', out, '--export-size',
                           '16', '24', '--check-sizes', '16', '24', '40', '28',
                           '30', '45', '--batch', '2', '--repeat', '1',
                           '--json'])
    captured = capsys.readouterr()
    printed = json.loads(captured.out)
    assert printed == json.loads(json.dumps(result))
    assert captured.out.count('\n') == 1
    assert 'Loads checkpoint' in captured.err  # mmengine's line, on stderr
    assert osp.isfile(out) and result['size_multiple'] == 4
    assert [c['size'] for c in result['checks']] == [[16, 24], [40, 28],
                                                     [30, 45]]
    for check in result['checks']:
        assert check['max_abs_diff'] < 1e-4
        assert check['torch_s'] > 0 and check['ort_s'] > 0
    # the routing differs between the sizes, so fixed expert counts traced
    # at 16 x 24 could not give these results; a batch of 3 is new as well
    session = OnnxRestorer(out)
    restorer = init_restorer(config, checkpoint)
    images = torch.rand(3, 3, 36, 52)
    with torch.no_grad():
        expected = restorer.network(images)[0].numpy()
        counts = [torch.bincount(a['indices'].reshape(-1), minlength=6)
                  for a in restorer.network(images)[1]['routing']]
    assert all((c > 0).sum() >= 3 for c in counts)
    np.testing.assert_allclose(session(images.numpy()), expected, atol=1e-4,
                               rtol=0)


def test_export_refuses_bad_input_without_writing(tmp_path, capsys):
    config, checkpoint = _restorer_files(tmp_path, 'fme', _network('fme'))
    tool = _tool()
    with pytest.raises(SystemExit):
        tool.main([config, '--out', str(tmp_path / 'a.onnx')])
    assert '--untrained' in capsys.readouterr().err
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(SystemExit):
        tool.main([config, missing, '--out', str(tmp_path / 'a.onnx')])
    assert 'missing.pth' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([config, checkpoint, '--out', str(tmp_path / 'a.onx')])
    assert '.onnx' in capsys.readouterr().err
    # a traced size that is not a multiple of the patch: refused by name,
    # nothing written (not even a temporary file)
    with pytest.raises(SystemExit, match='patch size 4'):
        tool.main([config, checkpoint, '--out', str(tmp_path / 'a.onnx'),
                   '--export-size', '18', '24'])
    assert not [name for name in os.listdir(tmp_path) if 'onnx' in name]


def test_untrained_export_is_an_explicit_opt_in(tmp_path):
    config, _ = _restorer_files(tmp_path, 'moe', _network('moe', top_k=1))
    out = str(tmp_path / 'moe.onnx')
    with pytest.warns(UserWarning, match='random weights'):
        result = _tool().main([config, '--untrained', '--out', out,
                               '--check-sizes', '12', '20', '--repeat', '0'])
    assert result['checks'][0]['torch_s'] is None
    assert result['checks'][0]['max_abs_diff'] < 1e-4


def test_onnx_restorer_names_the_file_it_cannot_use(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.onnx'):
        OnnxRestorer(str(tmp_path / 'nothing.onnx'))
    broken = tmp_path / 'broken.onnx'
    broken.write_bytes(b'not a model')
    with pytest.raises(ValueError, match='broken.onnx'):
        OnnxRestorer(str(broken))


def test_export_onnx_keeps_the_old_file_when_it_fails(tmp_path):
    with DefaultScope.overwrite_default_scope('mofme_mm'):
        network = MODELS.build(_network('fme'))
    path = tmp_path / 'kept.onnx'
    path.write_bytes(b'old')
    with pytest.raises(ValueError, match='patch size'):
        export_onnx(network, str(path), size=(10, 16))
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['kept.onnx']


def test_stdout_to_stderr_moves_existing_handlers_and_restores_them(capsys):
    root_handler = logging.StreamHandler(sys.stdout)
    logging.getLogger().addHandler(root_handler)
    earlier = MMLogger.get_instance('earlier_guard', log_level='INFO')
    try:
        with stdout_to_stderr():
            print('printed')
            earlier.info('from mmengine')
            logging.getLogger('some.library').warning('from a library')
            fresh = MMLogger.get_instance('made_inside', log_level='INFO')
            fresh.info('from a logger made inside')
        print('result')
        captured = capsys.readouterr()
        assert captured.out == 'result\n'
        for text in ('printed', 'from mmengine', 'from a library',
                     'from a logger made inside'):
            assert text in captured.err
        # restored: the handlers write to stdout again after the block
        earlier.info('after')
        assert 'after' in capsys.readouterr().out
        assert root_handler.stream is sys.stdout
    finally:
        logging.getLogger().removeHandler(root_handler)
