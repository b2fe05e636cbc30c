import importlib.util
import os.path as osp

import pytest

from mofme_mm.datasets import RainCityscapesDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def _load(name):
    path = osp.join(REPO, 'tools', 'dataset_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'converter_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_generates_a_readable_tree(tmp_path, capsys):
    out = str(tmp_path / 'toy')
    _load('make_toy_cityscapes').main([
        '--out', out, '--num-train', '2', '--num-val', '1', '--size', '96',
        '48', '--seed', '3', '--patterns', '4', '--rain-params',
        '0.03,0.015,0.002', '--fog-betas', '0.005', '--train-cities',
        'jena', '--val-cities', 'munster', '--num-test', '1',
        '--test-cities', 'bonn'])
    assert ('wrote 2 train + 1 val frames, 3 rainy and 3 foggy images (+ 1 '
            'test frames without weather)') in capsys.readouterr().out
    assert osp.isfile(osp.join(out, 'gtFine', 'test', 'bonn',
                               'bonn_000000_000019_gtFine_instanceIds.png'))
    ds = RainCityscapesDataset(data_root=out, split='train')
    assert len(ds) == 2
    info = ds.get_data_info(0)
    assert (info['alpha'], info['beta'], info['dropsize'],
            info['pattern']) == (0.03, 0.015, 0.002, 4)
    assert info['city'] == 'jena'


def test_cli_rejects_bad_triples():
    with pytest.raises(SystemExit):
        _load('make_toy_cityscapes').parse_args(['--rain-params', '0.1,0.2'])
