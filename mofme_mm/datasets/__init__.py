from mofme_mm.registry import DATASETS
from mofme_mm.utils.optional_import import import_optional

from .allweather import AllWeatherDataset
from .base_paired_dataset import BasePairedDataset
from .foggy_cityscapes import FoggyCityscapesDataset
from .multi_weather import MultiWeatherDataset
from .raincityscapes import RainCityscapesDataset
from .transforms import *  # noqa: F401,F403

# The mmseg / mmdet views: without that library, a placeholder that says
# what to install when built (mofme_mm/utils/optional_import.py).
FoggyCityscapesSegDataset = import_optional(
    '.foggy_cityscapes_seg', 'FoggyCityscapesSegDataset', 'mmseg', DATASETS,
    __name__)
RainCityscapesSegDataset = import_optional(
    '.raincityscapes_seg', 'RainCityscapesSegDataset', 'mmseg', DATASETS,
    __name__)
FoggyCityscapesDetDataset = import_optional(
    '.foggy_cityscapes_det', 'FoggyCityscapesDetDataset', 'mmdet', DATASETS,
    __name__)
RainCityscapesDetDataset = import_optional(
    '.raincityscapes_det', 'RainCityscapesDetDataset', 'mmdet', DATASETS,
    __name__)

__all__ = [
    'AllWeatherDataset', 'BasePairedDataset', 'FoggyCityscapesDataset',
    'FoggyCityscapesSegDataset', 'MultiWeatherDataset',
    'RainCityscapesDataset', 'RainCityscapesSegDataset',
    'FoggyCityscapesDetDataset', 'RainCityscapesDetDataset'
]
