"""Read an image completely, or fail with an error naming the file.

``cv2.imread`` decodes a JPEG that was cut short with a flat grey lower part
and only prints a warning. :func:`read_image` reads the file's bytes, checks
that JPEG, PNG, WebP and BMP files end where their own structure says they
end (:func:`truncation_reason`), and decodes them with ``cv2.imdecode``
keeping the stored format (grey, BGR or BGRA; 8 or 16 bits; float TIFF). EXIF
orientation is not applied: pixels come out as stored.
"""
from typing import Optional

import cv2
import numpy as np

JPEG_SOI = b'\xff\xd8'
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# Markers without a length field: TEM and RST0..RST7.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


class IncompleteImageError(OSError):
    """An image file ends before its format says it does."""


def _jpeg_reason(data: bytes) -> Optional[str]:
    """Walk the JPEG segments and scans up to the end-of-image marker."""
    pos, size = 2, len(data)
    while True:
        if pos >= size:
            return 'the JPEG ends before its end-of-image marker'
        if data[pos] != 0xFF:
            return f'the JPEG has no marker at byte {pos} (corrupt)'
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            return 'the JPEG ends before its end-of-image marker'
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return None
        if marker in _JPEG_STANDALONE:
            continue
        if pos + 2 > size:
            return 'the JPEG ends inside a segment header'
        length = int.from_bytes(data[pos:pos + 2], 'big')
        if length < 2:
            return f'the JPEG has a segment of length {length} (corrupt)'
        pos += length
        if marker != 0xDA:  # not start-of-scan: the segment is all there is
            continue
        # Entropy-coded data: 0xFF is followed by 0x00 (stuffing), RSTn, fill
        # 0xFF, or the next marker.
        while True:
            pos = data.find(b'\xff', pos)
            if pos < 0 or pos + 1 >= size:
                return 'the JPEG ends inside its image data'
            following = data[pos + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7:
                pos += 2
            elif following == 0xFF:
                pos += 1
            else:
                break


def _png_reason(data: bytes) -> Optional[str]:
    """Walk the PNG chunks up to ``IEND``."""
    pos, size = len(PNG_SIGNATURE), len(data)
    while pos + 8 <= size:
        length = int.from_bytes(data[pos:pos + 4], 'big')
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length  # length, type, data, CRC
        if end > size:
            return (f'the PNG ends inside its {kind.decode("latin-1")!r} '
                    'chunk')
        if kind == b'IEND':
            return None
        pos = end
    return 'the PNG ends before its IEND chunk'


def truncation_reason(data: bytes) -> Optional[str]:
    """Why an encoded image is incomplete, or None when it looks complete.

    JPEG: the segments and entropy-coded scans are walked to the EOI marker
    (an embedded EXIF thumbnail's EOI is skipped with its segment; bytes
    after the EOI are allowed). PNG: the chunks are walked to ``IEND``. WebP
    and BMP: the file size stored in the header is compared with the data.
    Other formats are not checked here (their decoders report truncation).

    Args:
        data (bytes): The file content.

    Returns:
        str | None: A reason such as ``'the JPEG ends inside its image
        data'``, or None.
    """
    if not data:
        return 'the file is empty'
    if data.startswith(JPEG_SOI):
        return _jpeg_reason(data)
    if data.startswith(PNG_SIGNATURE):
        return _png_reason(data)
    if data[:4] == b'RIFF' and data[8:12] == b'WEBP':
        expected = int.from_bytes(data[4:8], 'little') + 8
        if len(data) < expected:
            return (f'the WebP holds {len(data)} of its {expected} bytes')
        return None
    if data[:2] == b'BM' and len(data) >= 6:
        expected = int.from_bytes(data[2:6], 'little')
        if len(data) < expected:
            return f'the BMP holds {len(data)} of its {expected} bytes'
    return None


def read_image(path: str) -> np.ndarray:
    """Read an image file as stored: grey ``(H, W)``, BGR or BGRA, any depth.

    Args:
        path (str): Image file.

    Returns:
        np.ndarray: ``(H, W)`` or ``(H, W, C)`` array as ``cv2.imdecode``
        with ``IMREAD_UNCHANGED`` gives it (uint8, uint16 or float32).

    Raises:
        FileNotFoundError: The file does not exist.
        IncompleteImageError: The file is truncated.
        OSError: The file cannot be read or decoded.
    """
    with open(path, 'rb') as file:
        data = file.read()
    reason = truncation_reason(data)
    if reason is not None:
        raise IncompleteImageError(
            f'{path} is incomplete: {reason} (file truncated?), so it would '
            'decode with missing pixels. Re-copy or re-download it.')
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise OSError(f'cannot decode {path}: not an image OpenCV can read, '
                      'or corrupt.')
    return image
