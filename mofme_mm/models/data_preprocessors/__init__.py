from .deweather_det_data_preprocessor import DeweatherDetDataPreprocessor
from .deweather_seg_data_preprocessor import DeweatherSegDataPreProcessor
from .restoration_data_preprocessor import RestorationDataPreprocessor

__all__ = [
    'RestorationDataPreprocessor', 'DeweatherSegDataPreProcessor',
    'DeweatherDetDataPreprocessor']
