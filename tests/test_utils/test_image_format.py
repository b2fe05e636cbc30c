"""Format-preserving conversion to the restorer's colour and back."""
import cv2
import numpy as np
import pytest

from mofme_mm.utils.image_format import (
    from_bgr_unit,
    image_format,
    to_bgr_unit,
)

RNG = np.random.default_rng(0)
IMAGES = {
    'gray8': RNG.integers(0, 256, (5, 7), dtype=np.uint8),
    'gray8_1': RNG.integers(0, 256, (5, 7, 1), dtype=np.uint8),
    'bgr8': RNG.integers(0, 256, (5, 7, 3), dtype=np.uint8),
    'bgra8': RNG.integers(0, 256, (5, 7, 4), dtype=np.uint8),
    'bgr16': RNG.integers(0, 65536, (5, 7, 3), dtype=np.uint16),
    'bgra16': RNG.integers(0, 65536, (5, 7, 4), dtype=np.uint16),
    'gray16': RNG.integers(0, 65536, (5, 7), dtype=np.uint16),
    'bgr_float': RNG.random((5, 7, 3), dtype=np.float32),
}


@pytest.mark.parametrize('name', sorted(IMAGES))
def test_colour_images_round_trip_exactly(name):
    image = IMAGES[name]
    bgr, fmt = to_bgr_unit(image)
    assert bgr.shape == image.shape[:2] + (3, ) and bgr.dtype == np.float32
    assert 0 <= bgr.min() and bgr.max() <= 1
    back = from_bgr_unit(bgr, image)
    assert back.dtype == image.dtype and back.shape == image.shape
    if fmt.layout in ('bgr', 'bgra'):
        np.testing.assert_array_equal(back, image)
    else:  # grey -> 3 equal channels -> grey again
        np.testing.assert_allclose(back.astype(float), image.astype(float),
                                   atol=1)


def test_sixteen_bits_keep_their_precision():
    image = IMAGES['bgr16']
    bgr, _ = to_bgr_unit(image)
    back = from_bgr_unit(bgr, image)
    # values that 8 bits cannot hold survive
    assert (back % 257 != 0).mean() > 0.9
    np.testing.assert_array_equal(back, image)


def test_alpha_is_copied_and_grey_is_converted_back():
    bgra = IMAGES['bgra8']
    restored = np.full((5, 7, 3), 0.5, np.float32)
    out = from_bgr_unit(restored, bgra)
    np.testing.assert_array_equal(out[..., 3], bgra[..., 3])
    assert (out[..., :3] == 128).all()
    colour = np.zeros((5, 7, 3), np.float32)
    colour[..., 2] = 1.0  # pure red
    grey = from_bgr_unit(colour, IMAGES['gray8'])
    expected = round(255 * cv2.cvtColor(np.float32([[[0, 0, 1]]]),
                                        cv2.COLOR_BGR2GRAY)[0, 0])
    assert grey.shape == (5, 7) and (grey == expected).all()
    assert 70 < expected < 85  # the luma weight of red, not a channel copy


def test_bad_images_raise_errors_saying_what_to_do():
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        to_bgr_unit(np.full((4, 4, 3), 200.0, np.float32))
    with pytest.raises(ValueError, match='NaN'):
        to_bgr_unit(np.full((4, 4, 3), np.nan, np.float32))
    with pytest.raises(TypeError, match='int32'):
        to_bgr_unit(np.zeros((4, 4, 3), np.int32))
    with pytest.raises(ValueError, match='shape'):
        to_bgr_unit(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(TypeError, match='numpy'):
        image_format([[0, 1]])
    assert image_format(IMAGES['bgra16']).description == '16-bit BGRA'
    assert image_format(IMAGES['gray8']).description == '8-bit grey'
