"""tools/misc/browse_dataset.py draws the pipeline's pairs through the
RestorationVisualizer."""
import importlib.util
import os.path as osp

import cv2
import numpy as np
import pytest

from mofme_mm.visualization.comparison import title_height

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIG = osp.join(REPO, 'configs', 'toy', 'mofme_raincityscapes_toy.py')


def _tool():
    path = osp.join(REPO, 'tools', 'misc', 'browse_dataset.py')
    spec = importlib.util.spec_from_file_location('browse_dataset_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_val_panels_are_input_and_ground_truth(toy_cityscapes_root, tmp_path,
                                               capsys):
    out = tmp_path / 'browse'
    _tool().main([TOY_CONFIG, '--split', 'val', '--not-show', '--output-dir',
                  str(out), '--cfg-options', f'data_root={toy_cityscapes_root}'])
    panels = sorted(out.glob('*/*.png'))
    # 2 val frames x (4 rain + 2 fog) images
    assert len(panels) == 12
    assert {p.parent.name for p in panels} == {'rain', 'fog'}
    assert 'wrote 12 panels' in capsys.readouterr().out
    name = ('lindau_000000_000019_leftImg8bit_foggy_beta_0.02')
    panel = cv2.imread(str(out / 'fog' / f'{name}.png'))
    bar = title_height(64)
    assert panel.shape == (bar + 64, 2 * 128 + 4, 3)
    rainy = cv2.imread(osp.join(toy_cityscapes_root, 'leftImg8bit_foggy',
                                'val', 'lindau', f'{name}.png'))
    clean = cv2.imread(osp.join(toy_cityscapes_root, 'leftImg8bit', 'val',
                                'lindau',
                                'lindau_000000_000019_leftImg8bit.png'))
    np.testing.assert_array_equal(panel[bar:, :128], rainy)
    np.testing.assert_array_equal(panel[bar:, 132:], clean)


def test_train_panels_show_the_augmented_crops(toy_cityscapes_root,
                                               tmp_path):
    out = tmp_path / 'browse'
    _tool().main([TOY_CONFIG, '--not-show', '--output-dir', str(out),
                  '--max-samples', '3', '--cfg-options',
                  f'data_root={toy_cityscapes_root}'])
    panels = sorted(out.glob('*/*.png'))
    assert len(panels) == 3
    bar = title_height(64)
    for path in panels:  # the toy config crops 64 x 64
        assert cv2.imread(str(path)).shape == (bar + 64, 2 * 64 + 4, 3)


def test_nothing_to_do_is_refused():
    with pytest.raises(SystemExit):
        _tool().parse_args([TOY_CONFIG, '--not-show'])
