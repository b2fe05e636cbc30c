import importlib.util
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
