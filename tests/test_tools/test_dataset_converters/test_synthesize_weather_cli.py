import importlib.util
import os
import os.path as osp
import shutil

import cv2
import numpy as np

from mofme_mm.datasets import FoggyCityscapesDataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def _load(name):
    path = osp.join(REPO, 'tools', 'dataset_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'converter_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_from_disparity_and_camera(toy_cityscapes_root, tmp_path,
                                       capsys):
    root = str(tmp_path / 'cs')
    shutil.copytree(toy_cityscapes_root, root,
                    ignore=shutil.ignore_patterns('leftImg8bit_*'))
    _load('synthesize_weather').main([root, '--splits', 'val', '--no-rain',
                                      '--fog-betas', '0.005', '0.02'])
    assert 'wrote 0 rainy and 4 foggy' in capsys.readouterr().out
    ds = FoggyCityscapesDataset(data_root=root, split='val')
    assert sorted({ds.get_data_info(i)['beta'] for i in range(len(ds))}) == [
        0.005, 0.02]
    # Same physics as the toy generator: same files for the same betas.
    name = 'lindau/lindau_000000_000019_leftImg8bit_foggy_beta_0.02.png'
    ours = cv2.imread(osp.join(root, 'leftImg8bit_foggy/val', name))
    toy = cv2.imread(osp.join(toy_cityscapes_root, 'leftImg8bit_foggy/val',
                              name))
    np.testing.assert_array_equal(ours, toy)


def _files(root):
    return {osp.relpath(osp.join(d, n), root): open(osp.join(d, n),
                                                    'rb').read()
            for d, _, names in os.walk(root) for n in names}


def test_parallel_run_writes_the_same_files(toy_cityscapes_root, tmp_path,
                                            capsys):
    outputs = {}
    for nproc in (1, 2):
        out = str(tmp_path / f'nproc{nproc}')
        _load('synthesize_weather').main([
            toy_cityscapes_root, '--out-root', out, '--nproc', str(nproc),
            '--patterns', '1', '2', '--rain-params', '0.01,0.005,0.01',
            '--fog-betas', '0.01'])
        printed = capsys.readouterr().out
        outputs[nproc] = _files(out)
        # 6 train + val frames x 2 patterns, 6 x 1 beta; printed = written
        assert len(outputs[nproc]) == 18
        assert 'wrote 12 rainy and 6 foggy images' in printed
        assert '18/18' not in printed and '6/6' in printed  # progress bar
    assert outputs[1] == outputs[2]
    rainy = [p for p in outputs[2] if p.startswith('leftImg8bit_rain')]
    assert len(rainy) == 12


def test_skipped_files_are_counted_apart(toy_cityscapes_root, tmp_path,
                                         capsys):
    out = str(tmp_path / 'out')
    args = [toy_cityscapes_root, '--out-root', out, '--splits', 'val',
            '--no-rain', '--skip-existing', '--fog-betas', '0.01']
    _load('synthesize_weather').main(args)
    assert 'wrote 0 rainy and 2 foggy images in' in capsys.readouterr().out
    _load('synthesize_weather').main(args + ['0.02'])
    assert 'wrote 0 rainy and 2 foggy images, kept 2 existing' in (
        capsys.readouterr().out)
    assert len(_files(out)) == 4
