from .per_weather_coco_metric import PerWeatherCocoMetric  # noqa: F401
from .per_weather_iou_metric import PerWeatherIoUMetric  # noqa: F401
from .restoration_metric import RestorationMetric  # noqa: F401
