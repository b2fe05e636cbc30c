"""Shared base of the weathered Cityscapes detection datasets (rain, fog)."""
from typing import List, Optional, Tuple

from mmdet.datasets import CityscapesDataset

from .cityscapes_naming import CLEAN_DIR, COCO_ANN_FILE
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weather_det_views import build_det_samples, check_det_inputs


class WeatheredCityscapesDetDataset(CityscapesDataset):
    """Weathered Cityscapes images with the instances of their clean frame.

    The clean frames come from the COCO json that mmdet's
    ``tools/dataset_converters/cityscapes.py`` writes for them; subclasses
    name the folder of the weathered images (``weather_dir``) and find them
    (:meth:`find_weathered`); :meth:`load_data_list` makes one sample per
    weathered image with its clean frame's boxes and masks.

    Args:
        split (str): The split, e.g. ``'train'`` or ``'val'``.
        weather (str): Weather of every sample.
        ann_file (str | None): COCO json of the clean frames, relative to
            ``data_root``; None uses ``split``'s converter output.
        data_prefix (dict | None): ``img`` (weathered images) and ``gt``
            (clean frames) relative to ``data_root`` (``seg`` as in mmdet);
            None uses ``split``'s folders.
        **kwargs: :class:`mmdet.datasets.CityscapesDataset` arguments
            (``data_root``, ``pipeline``, ``filter_cfg``, ``test_mode``,
            ``backend_args``...).
    """

    data_hint = TOY_HINT + SYNTH_HINT
    #: Folder of the weathered images under ``data_root`` (subclasses).
    weather_dir = ''

    def __init__(self, split: str, weather: str,
                 ann_file: Optional[str] = None,
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.split = split
        self.weather = weather
        super().__init__(
            ann_file=ann_file or COCO_ANN_FILE.format(split=split),
            data_prefix=data_prefix or dict(img=f'{self.weather_dir}/{split}',
                                            gt=f'{CLEAN_DIR}/{split}'),
            **kwargs)

    def find_weathered(self) -> Tuple[List[dict], str]:
        """The weathered images kept by the filters (subclasses).

        Returns:
            tuple: ``(found, filters)``: the scan of the image folder
            (``scan_rain_images`` / ``scan_fog_images``) and a description
            of the filters for the "no image" message.
        """
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        """Clean frames from the json, then one sample per weathered image."""
        check_det_inputs(self)
        clean = super().load_data_list()
        found, filters = self.find_weathered()
        return build_det_samples(self, clean, found, filters)
