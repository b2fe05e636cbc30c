"""Complete-or-fail image reading: truncated JPEG / PNG / WebP / BMP files."""
import cv2
import numpy as np
import pytest

from mofme_mm.utils.image_reading import (
    IncompleteImageError,
    read_image,
    truncation_reason,
)


def _natural(height=48, width=64, channels=3):
    """A smooth image with some texture (compresses like a photo)."""
    y, x = np.mgrid[0:height, 0:width]
    planes = [(x * 4 + y) % 256, (y * 5) % 256, (x * y) % 256][:channels]
    return np.stack(planes, -1).astype(np.uint8)


def _encode(ext, image, params=()):
    ok, buffer = cv2.imencode(ext, image, list(params))
    assert ok
    return buffer.tobytes()


@pytest.mark.parametrize('ext,params', [
    ('.jpg', ()), ('.jpg', (cv2.IMWRITE_JPEG_PROGRESSIVE, 1)), ('.png', ()),
    ('.webp', ()), ('.bmp', ())])
def test_complete_files_pass_and_cut_files_fail(ext, params):
    data = _encode(ext, _natural(), params)
    assert truncation_reason(data) is None
    for cut in (len(data) // 2, len(data) - 1):
        assert truncation_reason(data[:cut]) is not None, cut


def test_jpeg_with_trailing_bytes_is_complete():
    data = _encode('.jpg', _natural())
    assert truncation_reason(data + b'\x00' * 7) is None


def test_jpeg_cut_after_an_embedded_thumbnail_is_incomplete():
    # An EXIF-like APP1 segment holding a whole JPEG (a thumbnail, with its
    # own end-of-image marker): searching for FF D9 would be fooled.
    thumbnail = _encode('.jpg', _natural(8, 8))
    main = _encode('.jpg', _natural())
    payload = b'Exif\x00\x00' + thumbnail
    app1 = b'\xff\xe1' + (len(payload) + 2).to_bytes(2, 'big') + payload
    data = main[:2] + app1 + main[2:]
    assert cv2.imdecode(np.frombuffer(data, np.uint8), -1) is not None
    assert truncation_reason(data) is None
    cut = data[:len(main[:2] + app1) + 100]
    assert b'\xff\xd9' in cut
    assert 'JPEG' in truncation_reason(cut)


def test_png_without_iend_is_incomplete():
    data = _encode('.png', _natural())
    assert data.endswith(b'IEND\xaeB`\x82')
    assert 'IEND' in truncation_reason(data[:-12])


def test_read_image_keeps_the_stored_format(tmp_path):
    gray16 = (np.arange(48 * 64, dtype=np.uint16).reshape(48, 64) * 13)
    bgra = np.dstack([_natural(), np.full((48, 64), 77, np.uint8)])
    for name, image in (('g16.png', gray16), ('bgra.png', bgra)):
        cv2.imwrite(str(tmp_path / name), image)
        read = read_image(str(tmp_path / name))
        assert read.dtype == image.dtype and read.shape == image.shape
        np.testing.assert_array_equal(read, image)


def test_read_image_refuses_a_truncated_jpeg_that_imread_accepts(tmp_path):
    path = tmp_path / 'half.jpg'
    data = _encode('.jpg', _natural(256, 384))
    path.write_bytes(data[:len(data) // 2])
    # OpenCV decodes it (with a grey lower part) and only warns:
    decoded = cv2.imread(str(path))
    assert decoded is not None and (decoded[-1] == 128).all()
    with pytest.raises(IncompleteImageError, match='half.jpg'):
        read_image(str(path))


def test_read_image_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_image(str(tmp_path / 'missing.png'))
    (tmp_path / 'empty.png').write_bytes(b'')
    with pytest.raises(IncompleteImageError, match='empty'):
        read_image(str(tmp_path / 'empty.png'))
    (tmp_path / 'text.png').write_bytes(b'not an image at all')
    with pytest.raises(OSError, match='text.png'):
        read_image(str(tmp_path / 'text.png'))
