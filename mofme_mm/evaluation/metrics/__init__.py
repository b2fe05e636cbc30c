from .per_weather_iou_metric import PerWeatherIoUMetric  # noqa: F401
from .restoration_metric import RestorationMetric  # noqa: F401
