"""mmcv's ``LoadImageFromFile`` with an error that names the broken file."""
from typing import Optional

from mmcv.transforms import LoadImageFromFile

from mofme_mm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadInputImageFromFile(LoadImageFromFile):
    """Load ``img`` exactly like mmcv's ``LoadImageFromFile``, but a missing,
    empty or corrupt file raises ``OSError`` naming it (mmcv raises a bare
    ``cv2.error`` for empty files and an ``AssertionError`` otherwise).

    Args:
        **kwargs: mmcv ``LoadImageFromFile`` arguments (``to_float32``,
            ``color_type``, ``imdecode_backend``, ``ignore_empty``,
            ``backend_args``).
    """

    def transform(self, results: dict) -> Optional[dict]:
        try:
            return super().transform(results)
        except Exception as err:  # noqa: BLE001  (re-raised with the file)
            path = results.get('img_path')
            raise OSError(
                f'Cannot read input image {path!r} ({type(err).__name__}: '
                f'{err}). Check that the file exists and is a valid image '
                '(re-create or remove it).') from err
