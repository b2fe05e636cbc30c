import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from cityscapesscripts.helpers.annotation import Annotation
from cityscapesscripts.helpers.labels import id2label
from cityscapesscripts.preparation.json2instanceImg import createInstanceImage

from mofme_mm.datasets.synthesis import (
    disparity_to_depth,
    make_toy_cityscapes,
    read_camera,
)


def test_fixture_tree_has_real_layout(toy_cityscapes_root):
    root = toy_cityscapes_root
    frame = 'aachen_000000_000019'
    for rel in (f'leftImg8bit/train/aachen/{frame}_leftImg8bit.png',
                f'gtFine/train/aachen/{frame}_gtFine_labelTrainIds.png',
                f'gtFine/train/aachen/{frame}_gtFine_labelIds.png',
                f'gtFine/train/aachen/{frame}_gtFine_instanceIds.png',
                f'gtFine/train/aachen/{frame}_gtFine_polygons.json',
                f'disparity/train/aachen/{frame}_disparity.png',
                f'camera/train/aachen/{frame}_camera.json',
                f'leftImg8bit_rain/train/aachen/{frame}_leftImg8bit_rain_'
                'alpha_0.01_beta_0.005_dropsize_0.01_pattern_1.png',
                f'leftImg8bit_foggy/train/aachen/{frame}_leftImg8bit_foggy_'
                'beta_0.02.png', 'foggy_trainval_refined_filenames.txt'):
        assert osp.isfile(osp.join(root, rel)), rel
    assert sorted(osp.basename(p) for p in glob.glob(
        osp.join(root, 'leftImg8bit', 'val', '*'))) == ['lindau']
    disp = cv2.imread(osp.join(root, f'disparity/train/aachen/'
                               f'{frame}_disparity.png'),
                      cv2.IMREAD_UNCHANGED)
    label = cv2.imread(osp.join(root, f'gtFine/train/aachen/'
                                f'{frame}_gtFine_labelTrainIds.png'),
                       cv2.IMREAD_UNCHANGED)
    assert disp.dtype == np.uint16 and disp.shape == label.shape == (64, 128)
    # Invalid disparity exactly on the sky, like the real data.
    np.testing.assert_array_equal(disp == 0, label == 10)
    cam = read_camera(osp.join(root, f'camera/train/aachen/'
                               f'{frame}_camera.json'))
    depth = disparity_to_depth(disp, cam['baseline'], cam['fx'])
    assert np.isfinite(depth[label == 0]).all()


def test_fog_denser_with_beta_on_toy_frames(toy_cityscapes_root):
    frame_dir = osp.join(toy_cityscapes_root, 'leftImg8bit_foggy', 'val',
                         'lindau')
    clean = cv2.imread(osp.join(toy_cityscapes_root, 'leftImg8bit', 'val',
                                'lindau', 'lindau_000000_000019_'
                                'leftImg8bit.png')).astype(float)
    diffs = []
    for beta in ('0.01', '0.02'):
        foggy = cv2.imread(osp.join(
            frame_dir, f'lindau_000000_000019_leftImg8bit_foggy_beta_{beta}'
            '.png')).astype(float)
        diffs.append(np.abs(foggy - clean).mean())
    assert 0 < diffs[0] < diffs[1]


def test_deterministic_by_seed(tmp_path):
    kwargs = dict(num_train=1, num_val=1, num_test=1, size=(64, 32),
                  train_cities=('aachen', ), val_cities=('lindau', ),
                  test_cities=('berlin', ),
                  rain_params=[(0.01, 0.005, 0.01)], patterns=(3, ),
                  fog_betas=(0.01, ))
    a = make_toy_cityscapes(str(tmp_path / 'a'), seed=5, **kwargs)
    b = make_toy_cityscapes(str(tmp_path / 'b'), seed=5, **kwargs)
    c = make_toy_cityscapes(str(tmp_path / 'c'), seed=6, **kwargs)
    assert a['frames'] == b['frames'] == dict(
        train=['aachen_000000_000019'], val=['lindau_000000_000019'],
        test=['berlin_000000_000019'])
    for pa, pb, pc in zip(a['rain'] + a['fog'], b['rain'] + b['fog'],
                          c['rain'] + c['fog']):
        ia, ib, ic = (cv2.imread(p) for p in (pa, pb, pc))
        np.testing.assert_array_equal(ia, ib)
        assert not np.array_equal(ia, ic)


def test_rejects_overlapping_cities(tmp_path):
    with pytest.raises(ValueError, match='distinct'):
        make_toy_cityscapes(str(tmp_path), train_cities=('a', ),
                            val_cities=('a', ))
    with pytest.raises(ValueError, match='distinct'):
        make_toy_cityscapes(str(tmp_path), val_cities=('b', ),
                            test_cities=('b', ))


def test_instance_ground_truth_files(toy_cityscapes_root):
    """labelIds, instanceIds and polygons of every split, as real gtFine."""
    train_lut = np.full(256, 255, np.uint8)
    for label in id2label.values():
        if label.id >= 0:
            train_lut[label.id] = label.trainId % 256
    seen = set()
    polygon_files = sorted(glob.glob(osp.join(
        toy_cityscapes_root, 'gtFine', '*', '*', '*_gtFine_polygons.json')))
    assert {p.split(osp.sep)[-3] for p in polygon_files} == {
        'train', 'val', 'test'}
    assert len(polygon_files) == 4 + 2 + 2
    for path in polygon_files:
        stem = path[:-len('_polygons.json')]
        ids = cv2.imread(stem + '_labelIds.png', cv2.IMREAD_UNCHANGED)
        inst = cv2.imread(stem + '_instanceIds.png', cv2.IMREAD_UNCHANGED)
        train = cv2.imread(stem + '_labelTrainIds.png', cv2.IMREAD_UNCHANGED)
        assert ids.dtype == np.uint8 and inst.dtype == np.uint16
        assert ids.shape == inst.shape == train.shape == (64, 128)
        with open(path) as f:
            polygons = json.load(f)
        assert (polygons['imgHeight'], polygons['imgWidth']) == (64, 128)
        np.testing.assert_array_equal(train, train_lut[ids])
        things = inst >= 1000
        np.testing.assert_array_equal(inst[things] // 1000, ids[things])
        np.testing.assert_array_equal(inst[~things], ids[~things])
        # Instance k of a class is its k-th polygon, as json2instanceImg says.
        annotation = Annotation()
        annotation.fromJsonFile(path)
        np.testing.assert_array_equal(
            inst, np.asarray(createInstanceImage(annotation, 'ids')))
        seen.update(id2label[int(i) // 1000].name
                    for i in np.unique(inst[things]))
    assert {'car', 'person'} <= seen
    # Test frames have no weather versions (as the real packages).
    assert not osp.exists(osp.join(toy_cityscapes_root, 'leftImg8bit_rain',
                                   'test'))
    assert osp.isfile(osp.join(toy_cityscapes_root, 'leftImg8bit', 'test',
                               'berlin', 'berlin_000000_000019_leftImg8bit.png'))
