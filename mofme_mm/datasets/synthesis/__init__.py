"""Weather synthesis (rain, fog) and the toy Cityscapes generator."""
from .atmospheric_light import dark_channel, estimate_atmospheric_light
from .depth import (
    depth_to_disparity,
    depth_to_distance,
    disparity_to_depth,
    fill_depth_holes,
    read_camera,
    write_camera,
)
from .fog import add_fog, fog_transmission
from .rain import add_rain, rain_streak_pattern
from .street_scene import render_street_scene
from .toy_cityscapes import make_toy_cityscapes
from .weather_root import load_frame_depth, synthesize_weather

__all__ = [
    'dark_channel', 'estimate_atmospheric_light', 'depth_to_disparity',
    'depth_to_distance', 'disparity_to_depth', 'fill_depth_holes',
    'read_camera', 'write_camera', 'add_fog', 'fog_transmission', 'add_rain',
    'rain_streak_pattern', 'render_street_scene', 'make_toy_cityscapes',
    'load_frame_depth', 'synthesize_weather'
]
