"""Synthesis writes atomically and never changes the clean input frames."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mofme_mm.datasets.synthesis import synthesize_weather
from mofme_mm.datasets.synthesis.weather_root import write_image
from mofme_mm.utils import atomic_write
from mofme_mm.utils.output_guard import InputOverwriteError

FRAME = 'ulm_000001_000019'


def _root(tmp_path):
    root = str(tmp_path / 'cs')
    clean_dir = osp.join(root, 'leftImg8bit', 'val', 'ulm')
    os.makedirs(clean_dir)
    clean = osp.join(clean_dir, f'{FRAME}_leftImg8bit.png')
    cv2.imwrite(clean, np.random.default_rng(0).integers(
        0, 200, (16, 24, 3), np.uint8))
    depth_dir = osp.join(root, 'depth', 'val', 'ulm')
    os.makedirs(depth_dir)
    np.save(osp.join(depth_dir, f'{FRAME}_depth.npy'),
            np.tile(np.linspace(5, 300, 24, dtype=np.float32), (16, 1)))
    return root, clean


@pytest.mark.parametrize('link', [os.symlink, os.link])
def test_outputs_linked_to_the_clean_frame_do_not_change_it(tmp_path, link):
    # e.g. a weather folder filled with links to the clean frames as
    # placeholders: writing through the link would replace the clean frame
    root, clean = _root(tmp_path)
    before = open(clean, 'rb').read()
    foggy = osp.join(root, 'leftImg8bit_foggy', 'val', 'ulm',
                     f'{FRAME}_leftImg8bit_foggy_beta_0.02.png')
    os.makedirs(osp.dirname(foggy))
    link(clean, foggy)
    out = synthesize_weather(root, splits=['val'], rain_params=None,
                             fog_betas=[0.02], depth_dir='depth')
    assert out['fog'] == [foggy]
    assert open(clean, 'rb').read() == before
    assert not osp.islink(foggy) and not osp.samefile(foggy, clean)
    assert open(foggy, 'rb').read() != before


def test_write_image_is_atomic_and_guards_inputs(tmp_path, monkeypatch):
    _, clean = _root(tmp_path)
    before = open(clean, 'rb').read()
    with pytest.raises(InputOverwriteError, match='leftImg8bit.png'):
        write_image(clean, np.zeros((4, 4, 3), np.uint8), protect=[clean])
    assert open(clean, 'rb').read() == before

    target = str(tmp_path / 'out' / 'x.png')
    write_image(target, np.full((4, 4, 3), 9, np.uint8))

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_image(target, np.zeros((4, 4, 3), np.uint8))
    assert (cv2.imread(target) == 9).all()
    assert os.listdir(tmp_path / 'out') == ['x.png']
