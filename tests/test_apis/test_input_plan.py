"""Mirrored, unique output names for the inputs of a run."""
import os

import numpy as np
import pytest

from mofme_mm.apis import collect_inputs, plan_outputs
from mofme_mm.utils.output_guard import InputOverwriteError


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'x')
    return str(path)


def test_same_names_in_different_folders_get_different_outputs(
        tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ('d1', 'd2', 'd3'):
        _touch(tmp_path / folder / 'frames' / '0001.png')
    items = collect_inputs(['d1/frames', 'd2/frames', 'd3/frames'])
    assert [item.name for item in items] == [
        'd1/frames/0001.png', 'd2/frames/0001.png', 'd3/frames/0001.png']
    files = [_touch(tmp_path / f / '0001.png') for f in ('a', 'b', 'c')]
    assert [i.name for i in collect_inputs(files)] == [
        'a/0001.png', 'b/0001.png', 'c/0001.png']
    paths = plan_outputs(collect_inputs(files), 'out')
    assert len(set(paths)) == 3


def test_folder_names_are_kept_and_single_files_are_flat(tmp_path):
    _touch(tmp_path / 'x' / 'frames' / 'sub' / '2.jpg')
    _touch(tmp_path / 'x' / 'frames' / '1.png')
    _touch(tmp_path / 'x' / 'frames' / '.hidden.png')
    _touch(tmp_path / 'x' / 'frames' / 'readme.txt')
    items = collect_inputs([str(tmp_path / 'x' / 'frames')])
    assert [i.name for i in items] == ['frames/1.png', 'frames/sub/2.jpg']
    single = collect_inputs([str(tmp_path / 'x' / 'frames' / '1.png')])
    assert [i.name for i in single] == ['1.png']


def test_videos_keep_writable_containers_and_duplicates_are_merged(
        tmp_path):
    avi = _touch(tmp_path / 'clip.avi')
    mpg = _touch(tmp_path / 'clip.mpg')
    assert [(i.kind, i.name) for i in collect_inputs([avi, mpg, avi])] == [
        ('video', 'clip.avi'), ('video', 'clip.mpg.mp4')]
    # listed again through their folder: still once, named from its parent
    items = collect_inputs([avi, str(tmp_path)])
    assert [i.name for i in items] == [f'{tmp_path.name}/clip.avi',
                                       f'{tmp_path.name}/clip.mpg.mp4']
    arrays = collect_inputs([np.zeros((2, 2, 3), np.uint8),
                             np.zeros((2, 2), np.float32)])
    assert [i.name for i in arrays] == ['array_0000.png', 'array_0001.tiff']


def test_missing_paths_and_empty_folders_are_reported(tmp_path):
    (tmp_path / 'empty').mkdir()
    items = collect_inputs([str(tmp_path / 'nope.png'),
                            str(tmp_path / 'empty')])
    assert [i.kind for i in items] == ['missing', 'missing']
    assert 'no such file' in items[0].error
    assert 'no images' in items[1].error
    assert plan_outputs(items, str(tmp_path / 'out')) == [None, None]


def test_clashes_are_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = _touch(tmp_path / 'a.png')
    with pytest.raises(InputOverwriteError, match='a.png'):
        plan_outputs(collect_inputs([a]), '.')
    with pytest.raises(InputOverwriteError):
        plan_outputs(collect_inputs([str(tmp_path)]), '..')
    video = _touch(tmp_path / 'v' / 'clip.mpg')
    _touch(tmp_path / 'v' / 'clip.mpg.mp4')
    with pytest.raises(ValueError, match='both be written'):
        plan_outputs(collect_inputs([str(tmp_path / 'v')]), 'out')
    assert os.path.isfile(video)
