"""Fixtures of the dataset tests: the toy tree through mmdet's converter,
and the toy trees on a non-local (in-memory) mmengine storage backend."""
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, Iterator, List

import pytest
from mmengine import fileio
from mmengine.fileio.backends import BaseStorageBackend

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


class MemoryBackend(BaseStorageBackend):
    """An mmengine storage backend serving ``memory://`` files from a dict.

    Stands for remote storage (petrel, S3...): nothing under ``memory://``
    exists on the local disk, so a dataset that reads it must go through
    ``mmengine.fileio`` for every folder listing, file check and read.
    ``reads`` records every file fetched.
    """

    files: Dict[str, bytes] = {}
    reads: List[str] = []

    def get(self, filepath) -> bytes:
        filepath = str(filepath)
        if filepath not in self.files:
            raise FileNotFoundError(f'no such memory file: {filepath}')
        self.reads.append(filepath)
        return self.files[filepath]

    def get_text(self, filepath, encoding: str = 'utf-8') -> str:
        return self.get(filepath).decode(encoding)

    def isfile(self, filepath) -> bool:
        return str(filepath) in self.files

    def isdir(self, filepath) -> bool:
        prefix = str(filepath).rstrip('/') + '/'
        return any(key.startswith(prefix) for key in self.files)

    def exists(self, filepath) -> bool:
        return self.isfile(filepath) or self.isdir(filepath)

    def join_path(self, filepath, *filepaths) -> str:
        return '/'.join([str(filepath).rstrip('/')] +
                        [str(p).strip('/') for p in filepaths])

    def list_dir_or_file(self, dir_path, list_dir=True, list_file=True,
                         suffix=None, recursive=False) -> Iterator[str]:
        prefix = str(dir_path).rstrip('/') + '/'
        dirs = set()
        for key in sorted(self.files):
            if not key.startswith(prefix):
                continue
            parts = key[len(prefix):].split('/')
            for depth in range(1, len(parts) if list_dir else 1):
                folder = '/'.join(parts[:depth])
                if (recursive or depth == 1) and folder not in dirs:
                    dirs.add(folder)
                    yield folder
            name = '/'.join(parts)
            if list_file and (recursive or len(parts) == 1) and (
                    suffix is None or name.endswith(suffix)):
                yield name


def upload(local_root: str, uri_root: str) -> str:
    """Copy every file under ``local_root`` into :class:`MemoryBackend`."""
    for dirpath, _, names in os.walk(local_root):
        for name in names:
            path = osp.join(dirpath, name)
            rel = osp.relpath(path, local_root).replace(os.sep, '/')
            with open(path, 'rb') as f:
                MemoryBackend.files[f'{uri_root}/{rel}'] = f.read()
    return uri_root


@pytest.fixture(scope='session')
def memory_storage(toy_cityscapes_root, toy_allweather_root) -> dict:
    """The toy Cityscapes and All-Weather trees on a ``memory://`` backend.

    Returns ``dict(cityscapes=URI, allweather=URI, backend=MemoryBackend)``.
    """
    fileio.register_backend('memory', MemoryBackend, force=True,
                            prefixes='memory')
    return dict(
        cityscapes=upload(toy_cityscapes_root, 'memory://toy_cityscapes'),
        allweather=upload(toy_allweather_root, 'memory://toy_allweather'),
        backend=MemoryBackend)
