import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mofme_mm.datasets.synthesis import synthesize_weather


def _clean_root(tmp_path, with_depth=True):
    root = str(tmp_path / 'cs')
    d = osp.join(root, 'leftImg8bit', 'val', 'ulm')
    os.makedirs(d)
    img = np.random.default_rng(0).integers(0, 200, (16, 24, 3), np.uint8)
    cv2.imwrite(osp.join(d, 'ulm_000001_000019_leftImg8bit.png'), img)
    if with_depth:
        dd = osp.join(root, 'depth', 'val', 'ulm')
        os.makedirs(dd)
        depth = np.tile(np.linspace(5, 300, 24, dtype=np.float32), (16, 1))
        np.save(osp.join(dd, 'ulm_000001_000019_depth.npy'), depth)
    return root, img


def test_writes_real_names_from_a_depth_map(tmp_path):
    root, img = _clean_root(tmp_path)
    out = synthesize_weather(root, splits=['val'],
                             rain_params=[(0.03, 0.015, 0.002)],
                             patterns=[12], fog_betas=[0.005],
                             depth_dir='depth')
    assert [osp.relpath(p, root) for p in out['rain']] == [osp.join(
        'leftImg8bit_rain', 'val', 'ulm', 'ulm_000001_000019_leftImg8bit_'
        'rain_alpha_0.03_beta_0.015_dropsize_0.002_pattern_12.png')]
    assert [osp.relpath(p, root) for p in out['fog']] == [osp.join(
        'leftImg8bit_foggy', 'val', 'ulm',
        'ulm_000001_000019_leftImg8bit_foggy_beta_0.005.png')]
    foggy = cv2.imread(out['fog'][0]).astype(float)
    # Farther columns (right) are changed more by the fog.
    change = np.abs(foggy - img).mean(axis=(0, 2))
    assert change[-4:].mean() > change[:4].mean()


def test_missing_depth_sources_are_named(tmp_path):
    root, _ = _clean_root(tmp_path, with_depth=False)
    with pytest.raises(FileNotFoundError, match='disparity'):
        synthesize_weather(root, splits=['val'])
    with pytest.raises(FileNotFoundError, match='No clean frames'):
        synthesize_weather(str(tmp_path / 'empty'), splits=['train'])


def test_reads_a_root_on_a_non_local_backend(memory_storage,
                                             toy_cityscapes_root, tmp_path):
    """Clean frames, disparity and camera files come through mmengine.fileio
    (the toy tree on a memory:// backend); the outputs are the toy tree's."""
    root = memory_storage['cityscapes']
    out = synthesize_weather(root, splits=['val'],
                             rain_params=[(0.01, 0.005, 0.01)], patterns=[2],
                             fog_betas=[0.02], out_root=str(tmp_path))
    assert len(out['rain']) == len(out['fog']) == 2
    reads = memory_storage['backend'].reads
    frame = f'{root}/%s/val/lindau/lindau_000001_000019_%s'
    for kind, suffix in (('leftImg8bit', 'leftImg8bit.png'),
                         ('disparity', 'disparity.png'),
                         ('camera', 'camera.json')):
        assert frame % (kind, suffix) in reads
    for path in out['rain'] + out['fog']:
        toy = osp.join(toy_cityscapes_root, osp.relpath(path, tmp_path))
        np.testing.assert_array_equal(cv2.imread(path), cv2.imread(toy))
    with pytest.raises(ValueError, match='local folder'):
        synthesize_weather(root, splits=['val'])
