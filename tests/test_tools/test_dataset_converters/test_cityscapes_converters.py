"""The real Cityscapes converters of mmdet and mmseg accept the toy tree."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import mmseg
import numpy as np
import pytest
from cityscapesscripts.helpers.labels import id2label

from mofme_mm.datasets.synthesis import make_toy_cityscapes
from mofme_mm.datasets.weather_det_views import mmdet_cityscapes_converter

MMSEG_CONVERTER = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools',
                           'dataset_converters', 'cityscapes.py')
SPLITS = dict(train=2, val=1, test=1)


@pytest.fixture
def toy_tree(tmp_path) -> str:
    """A fresh tiny tree (no weather): the converters write into it."""
    root = str(tmp_path / 'cityscapes')
    make_toy_cityscapes(root, num_train=SPLITS['train'],
                        num_val=SPLITS['val'], num_test=SPLITS['test'],
                        size=(128, 64), seed=1, train_cities=('aachen', ),
                        val_cities=('lindau', ), test_cities=('berlin', ),
                        rain_params=None, fog_betas=None)
    return root


def _run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, script, *args], text=True,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_mmdet_converter_writes_the_coco_jsons(toy_tree):
    out_dir = osp.join(toy_tree, 'annotations')
    log = _run(mmdet_cityscapes_converter(), toy_tree, '-o', out_dir)
    for split, count in SPLITS.items():
        assert f'Loaded {count} images from' in log
        with open(osp.join(out_dir,
                           f'instancesonly_filtered_gtFine_{split}.json')) as f:
            coco = json.load(f)
        assert [c['name'] for c in coco['categories']] == [
            'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle',
            'bicycle']
        assert len(coco['images']) == count
        for image in coco['images']:
            inst = cv2.imread(
                osp.join(toy_tree, 'gtFine', split,
                         image['file_name'].replace('_leftImg8bit.png',
                                                    '_gtFine_instanceIds.png')),
                cv2.IMREAD_UNCHANGED)
            assert (image['height'], image['width']) == inst.shape
            # One annotation per visible instance, its box from the mask.
            expected = {}
            for inst_id in np.unique(inst[inst >= 1000]):
                ys, xs = np.nonzero(inst == inst_id)
                expected[int(inst_id)] = (
                    int(inst_id) // 1000,
                    [xs.min(), ys.min(), xs.max() - xs.min() + 1,
                     ys.max() - ys.min() + 1], len(xs))
            anns = [a for a in coco.get('annotations', [])
                    if a['image_id'] == image['id']]
            got = sorted((a['category_id'], a['bbox'], a['area'])
                         for a in anns)
            assert got == sorted((c, [float(v) for v in b], n)
                                 for c, b, n in expected.values())
            assert all(a['iscrowd'] == 0 for a in anns)
            assert all(id2label[a['category_id']].hasInstances for a in anns)


def test_mmseg_converter_gives_the_generators_train_ids(toy_tree):
    written = {
        path: cv2.imread(path, cv2.IMREAD_UNCHANGED) for path in glob.glob(
            osp.join(toy_tree, 'gtFine', '*', '*', '*_labelTrainIds.png'))
    }
    assert len(written) == sum(SPLITS.values())
    for path in written:  # the converter must make them from the polygons
        os.remove(path)
    split_dir = osp.join(toy_tree, 'splits')
    _run(MMSEG_CONVERTER, toy_tree, '-o', split_dir)
    for path, before in written.items():
        after = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        assert after.dtype == before.dtype == np.uint8
        np.testing.assert_array_equal(after, before)
    with open(osp.join(split_dir, 'val.txt')) as f:
        assert f.read().split() == ['lindau/lindau_000000_000019']
