from .deweather_restorer import DeweatherRestorer, check_test_cfg
from .tiling import blend_window, tile_starts, tiled_restore

__all__ = [
    'DeweatherRestorer', 'check_test_cfg', 'blend_window', 'tile_starts',
    'tiled_restore'
]
