"""Atomic writes and the input-overwrite guard."""
import os

import cv2
import numpy as np
import pytest

from mofme_mm.utils import atomic_write
from mofme_mm.utils.atomic_write import (
    atomic_output,
    atomic_write_bytes,
    atomic_write_image,
)
from mofme_mm.utils.output_guard import (
    InputGuard,
    InputOverwriteError,
    check_writable_dir,
)


def test_write_replaces_and_creates_folders(tmp_path):
    path = tmp_path / 'a' / 'b' / 'x.bin'
    atomic_write_bytes(str(path), b'first')
    atomic_write_bytes(str(path), b'second')
    assert path.read_bytes() == b'second'
    assert sorted(os.listdir(path.parent)) == ['x.bin']


def test_permissions_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_bytes(str(tmp_path / 'x.bin'), b'data')
    finally:
        os.umask(old)
    assert (tmp_path / 'x.bin').stat().st_mode & 0o777 == 0o644


def test_interrupted_write_keeps_the_old_file_and_no_temp(tmp_path,
                                                          monkeypatch):
    path = tmp_path / 'x.png'
    path.write_bytes(b'previous')

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic_write.os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_image(str(path), np.zeros((4, 4, 3), np.uint8))
    assert path.read_bytes() == b'previous'
    assert os.listdir(tmp_path) == ['x.png']


def test_failed_block_leaves_nothing(tmp_path):
    path = tmp_path / 'v.mp4'
    with pytest.raises(RuntimeError):
        with atomic_output(str(path)) as tmp:
            assert tmp.endswith('.mp4') and os.path.dirname(tmp) == str(
                tmp_path)
            open(tmp, 'wb').write(b'partial')
            raise RuntimeError('crash in the middle')
    assert os.listdir(tmp_path) == []
    with pytest.raises(OSError, match='nothing was written'):
        with atomic_output(str(path)):
            pass


def test_links_to_other_files_are_replaced_not_written_through(tmp_path):
    original = tmp_path / 'clean.png'
    original.write_bytes(b'clean frame')
    os.symlink(original, tmp_path / 'sym.png')
    os.link(original, tmp_path / 'hard.png')
    for name in ('sym.png', 'hard.png'):
        atomic_write_bytes(str(tmp_path / name), b'output')
        assert (tmp_path / name).read_bytes() == b'output'
    assert original.read_bytes() == b'clean frame'


def test_guard_refuses_inputs_by_path_link_and_inode(tmp_path):
    image = tmp_path / 'in' / 'x.png'
    image.parent.mkdir()
    image.write_bytes(b'input')
    os.symlink(image, tmp_path / 'sym.png')
    os.link(image, tmp_path / 'hard.png')
    guard = InputGuard([str(image), str(tmp_path / 'missing.png')])
    assert len(guard) == 1
    for path in (image, tmp_path / 'in' / '..' / 'in' / 'x.png',
                 tmp_path / 'sym.png', tmp_path / 'hard.png'):
        with pytest.raises(InputOverwriteError, match='x.png'):
            atomic_write_bytes(str(path), b'output', guard)
    assert image.read_bytes() == b'input'
    atomic_write_bytes(str(tmp_path / 'other.png'), b'ok', [str(image)])


@pytest.mark.parametrize('ext,dtype,channels', [
    ('.jpg', np.uint16, 3), ('.jpg', np.uint8, 4), ('.png', np.float32, 3),
    ('.webp', np.uint8, 1), ('.bmp', np.uint16, 1)])
def test_formats_that_would_be_converted_silently_are_refused(
        tmp_path, ext, dtype, channels):
    image = np.zeros((4, 4, channels), dtype)
    # OpenCV alone writes something else without an error
    ok, buffer = cv2.imencode(ext, image)
    decoded = cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    assert ok and (decoded.dtype != dtype or decoded.ndim == 3
                   and decoded.shape[2] != channels)
    with pytest.raises(OSError, match=f'x{ext}'):
        atomic_write_image(str(tmp_path / f'x{ext}'), image)
    assert os.listdir(tmp_path) == []


def test_encoding_errors_name_the_file(tmp_path):
    with pytest.raises(OSError, match='x.unknown'):
        atomic_write_image(str(tmp_path / 'x.unknown'),
                           np.zeros((4, 4, 3), np.uint8))
    assert os.listdir(tmp_path) == []


def test_image_round_trip(tmp_path):
    image = np.random.default_rng(0).integers(0, 65536, (6, 5, 4),
                                              dtype=np.uint16)
    atomic_write_image(str(tmp_path / 'x.png'), image)
    read = cv2.imread(str(tmp_path / 'x.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(read, image)


def test_check_writable_dir(tmp_path):
    check_writable_dir(str(tmp_path / 'new' / 'folder'))
    assert (tmp_path / 'new' / 'folder').is_dir()
    assert os.listdir(tmp_path / 'new' / 'folder') == []  # probe removed
    (tmp_path / 'file').write_text('x')
    with pytest.raises(OSError, match='file'):
        check_writable_dir(str(tmp_path / 'file'))
    with pytest.raises(OSError, match='cannot create the output folder'):
        check_writable_dir(str(tmp_path / 'file' / 'out'))
