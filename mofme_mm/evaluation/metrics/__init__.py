from mofme_mm.registry import METRICS
from mofme_mm.utils.optional_import import import_optional

from .restoration_metric import RestorationMetric

# Without mmdet / mmseg: a placeholder that says what to install when built
# (mofme_mm/utils/optional_import.py).
PerWeatherCocoMetric = import_optional(
    '.per_weather_coco_metric', 'PerWeatherCocoMetric', 'mmdet', METRICS,
    __name__)
PerWeatherIoUMetric = import_optional(
    '.per_weather_iou_metric', 'PerWeatherIoUMetric', 'mmseg', METRICS,
    __name__)

__all__ = ['PerWeatherCocoMetric', 'PerWeatherIoUMetric', 'RestorationMetric']
