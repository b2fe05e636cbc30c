"""Image reading that fails with the file name and what to do."""
from typing import Optional

import mmcv
import numpy as np
from mmengine import fileio


def load_image_file(path: str, color_type: str = 'color',
                    imdecode_backend: str = 'cv2',
                    backend_args: Optional[dict] = None) -> np.ndarray:
    """Read an image, raising ``OSError`` naming the file on any failure.

    Args:
        path (str): image file.
        color_type (str): ``'color'``, ``'grayscale'``, ``'unchanged'``...
            Defaults to ``'color'``.
        imdecode_backend (str): mmcv decoding backend. Defaults to ``'cv2'``.
        backend_args (dict | None): mmengine file backend arguments.

    Returns:
        np.ndarray: the decoded image (BGR for colour images).
    """
    try:
        img_bytes = fileio.get(path, backend_args=backend_args)
        img = mmcv.imfrombytes(img_bytes, flag=color_type,
                               backend=imdecode_backend)
    except Exception as err:  # noqa: BLE001  (re-raised with the file name)
        raise OSError(
            f'Cannot read image {path!r}: {err}. Check that the file exists '
            'and is a valid image (re-create or remove it).') from err
    if img is None or img.size == 0:
        raise OSError(
            f'Cannot decode image {path!r}: the file is empty or corrupt. '
            'Re-create it (e.g. re-run the toy generator / synthesiser) or '
            'remove it from the dataset.')
    return img
