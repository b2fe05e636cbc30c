from .comparison import (
    add_title,
    comparison_panel,
    panel_title,
    to_bgr_uint8,
    to_rgb_uint8,
)
from .restoration_visualizer import RestorationVisualizer

__all__ = [
    'RestorationVisualizer', 'add_title', 'comparison_panel', 'panel_title',
    'to_bgr_uint8', 'to_rgb_uint8'
]
