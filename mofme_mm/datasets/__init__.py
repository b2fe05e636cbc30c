from . import foggy_cityscapes_det, raincityscapes_det  # noqa: F401 (mmdet)
from .allweather import AllWeatherDataset
from .base_paired_dataset import BasePairedDataset
from .foggy_cityscapes import FoggyCityscapesDataset
from .foggy_cityscapes_seg import FoggyCityscapesSegDataset
from .multi_weather import MultiWeatherDataset
from .raincityscapes import RainCityscapesDataset
from .raincityscapes_seg import RainCityscapesSegDataset
from .transforms import *  # noqa: F401,F403

__all__ = [
    'AllWeatherDataset', 'BasePairedDataset', 'FoggyCityscapesDataset',
    'FoggyCityscapesSegDataset', 'MultiWeatherDataset',
    'RainCityscapesDataset', 'RainCityscapesSegDataset'
]
