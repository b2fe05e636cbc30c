from mofme_mm.registry import MODELS
from mofme_mm.utils.optional_import import import_optional

from .restoration_data_preprocessor import RestorationDataPreprocessor

# Without mmdet / mmseg: a placeholder that says what to install when built
# (mofme_mm/utils/optional_import.py).
DeweatherDetDataPreprocessor = import_optional(
    '.deweather_det_data_preprocessor', 'DeweatherDetDataPreprocessor',
    'mmdet', MODELS, __name__)
DeweatherSegDataPreProcessor = import_optional(
    '.deweather_seg_data_preprocessor', 'DeweatherSegDataPreProcessor',
    'mmseg', MODELS, __name__)

__all__ = [
    'RestorationDataPreprocessor', 'DeweatherSegDataPreProcessor',
    'DeweatherDetDataPreprocessor']
