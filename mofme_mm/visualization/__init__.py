from .comparison import comparison_panel, to_bgr_uint8

__all__ = ['comparison_panel', 'to_bgr_uint8']
