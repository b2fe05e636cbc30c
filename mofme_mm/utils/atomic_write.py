"""Write files atomically: a temporary file in the same folder, then a rename.

``os.replace`` within one folder is atomic, so a reader sees either the old
file (or none) or the complete new one; a write that fails or is interrupted
removes its temporary file and leaves the destination untouched. Replacing
the destination's directory entry (instead of writing into the file) also
means a destination that is a symbolic or hard link to another file never
changes that file.

Temporary files are named ``.<stem>.<random>.tmp<ext>`` next to the
destination, so tools that pick a format from the file extension (OpenCV,
matplotlib, numpy) still see the destination's extension.
"""
import contextlib
import os
import os.path as osp
import secrets
from typing import Iterator, Optional, Sequence, Union

import cv2
import numpy as np

from .output_guard import InputGuard

Protect = Optional[Union[InputGuard, Sequence[str]]]


def _guard(protect: Protect) -> Optional[InputGuard]:
    if protect is None or isinstance(protect, InputGuard):
        return protect
    return InputGuard(protect)


def temporary_path(path: str) -> str:
    """A fresh temporary path in the folder of ``path``, same extension."""
    folder, name = osp.split(osp.abspath(path))
    stem, ext = osp.splitext(name)
    return osp.join(folder, f'.{stem}.{secrets.token_hex(4)}.tmp{ext}')


@contextlib.contextmanager
def atomic_output(path: str, protect: Protect = None) -> Iterator[str]:
    """Context manager yielding a temporary path that becomes ``path``.

    Write the file to the yielded path inside the ``with`` block; when the
    block finishes without an exception the file is renamed to ``path``,
    otherwise it is removed and ``path`` is left as it was.

    Args:
        path (str): Destination. Its folder is created.
        protect (InputGuard | Sequence[str], optional): Input files that
            ``path`` must not be. Defaults to None.

    Yields:
        str: The temporary path to write.

    Raises:
        InputOverwriteError: When ``path`` is a protected input.
        OSError: When the block wrote no file at the temporary path.
    """
    guard = _guard(protect)
    if guard is not None:
        guard.check(path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        if not osp.isfile(tmp):
            raise OSError(f'nothing was written for {path}.')
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise


def atomic_write_bytes(path: str, data: bytes, protect: Protect = None) -> None:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename).

    Args:
        path (str): Destination.
        data (bytes): The complete file content.
        protect (InputGuard | Sequence[str], optional): Input files that
            ``path`` must not be. Defaults to None.
    """
    with atomic_output(path, protect) as tmp:
        # Created with the usual 0o666 & ~umask permissions.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, 'wb') as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())


# What OpenCV's encoders store without converting (it silently writes 8 bits,
# or drops alpha, for anything else): extension -> (dtypes, channel counts).
_U8, _U16 = np.dtype(np.uint8), np.dtype(np.uint16)
_TIFF = ({_U8, _U16, np.dtype(np.float32), np.dtype(np.float64)}, {1, 3, 4})
ENCODABLE = {
    '.png': ({_U8, _U16}, {1, 3, 4}),
    '.jpg': ({_U8}, {1, 3}),
    '.jpeg': ({_U8}, {1, 3}),
    '.webp': ({_U8}, {3, 4}),
    '.bmp': ({_U8}, {1, 3, 4}),
    '.tif': _TIFF,
    '.tiff': _TIFF,
}


def _check_encodable(path: str, ext: str, image: np.ndarray) -> None:
    if ext.lower() not in ENCODABLE:
        return
    dtypes, channels = ENCODABLE[ext.lower()]
    count = image.shape[2] if image.ndim == 3 else 1
    if image.dtype not in dtypes or count not in channels:
        raise OSError(
            f'cannot write {path}: {ext} stores {sorted(d.name for d in dtypes)}'
            f' images with {sorted(channels)} channel(s), not {image.dtype} '
            f'with {count} (OpenCV would convert it silently); use .png '
            '(8/16-bit, alpha) or .tiff (also float)')


def encode_image(path: str, image: np.ndarray,
                 params: Sequence[int] = ()) -> bytes:
    """Encode ``image`` in the format of ``path``'s extension with OpenCV.

    Pixel types and channel counts that the format cannot store (16 bits in
    JPEG, alpha in JPEG, float in PNG...) raise an error instead of being
    converted silently (:data:`ENCODABLE`).

    Args:
        path (str): Destination (only its extension is used).
        image (np.ndarray): Image as ``cv2.imwrite`` takes it.
        params (Sequence[int]): ``cv2.imencode`` parameters. Defaults to ().

    Returns:
        bytes: The encoded file.
    """
    ext = osp.splitext(path)[1]
    _check_encodable(path, ext, image)
    try:
        ok, buffer = cv2.imencode(ext or '.png', image, list(params))
    except cv2.error as error:
        raise OSError(f'cannot encode a {image.dtype} image of shape '
                      f'{image.shape} as {ext or "?"} for {path}: '
                      f'{error.err}') from error
    if not ok:
        raise OSError(f'cannot encode a {image.dtype} image of shape '
                      f'{image.shape} as {ext or "?"} for {path}.')
    return buffer.tobytes()


def atomic_write_image(path: str, image: np.ndarray,
                       params: Sequence[int] = (),
                       protect: Protect = None) -> None:
    """``cv2.imwrite`` made atomic, with an error naming the file on failure.

    Args:
        path (str): Destination; its extension chooses the format.
        image (np.ndarray): Image as ``cv2.imwrite`` takes it (BGR, BGRA or
            grey; uint8, uint16 or float32 where the format allows).
        params (Sequence[int]): ``cv2.imencode`` parameters. Defaults to ().
        protect (InputGuard | Sequence[str], optional): Input files that
            ``path`` must not be. Defaults to None.
    """
    guard = _guard(protect)
    if guard is not None:  # before the (possibly long) encoding
        guard.check(path)
    atomic_write_bytes(path, encode_image(path, image, params), guard)
