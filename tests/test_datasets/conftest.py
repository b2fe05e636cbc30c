"""Fixtures of the dataset tests: the toy tree through mmdet's converter."""
import os.path as osp
import subprocess
import sys

import pytest

from mofme_mm.datasets.weather_det_views import mmdet_cityscapes_converter


@pytest.fixture(scope='session')
def toy_coco_dir(toy_cityscapes_root, tmp_path_factory) -> str:
    """Folder with ``instancesonly_filtered_gtFine_{train,val,test}.json``.

    Written by mmdet's own ``tools/dataset_converters/cityscapes.py`` from
    the session toy tree (read-only; the jsons go outside it).
    """
    out_dir = str(tmp_path_factory.mktemp('toy_coco'))
    proc = subprocess.run(
        [sys.executable, mmdet_cityscapes_converter(), toy_cityscapes_root,
         '-o', out_dir], text=True, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert osp.isfile(osp.join(out_dir,
                               'instancesonly_filtered_gtFine_val.json'))
    return out_dir
