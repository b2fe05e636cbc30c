from .deweather import (
    build_restorer,
    freeze_module,
    from_restorer_range,
    raw_channel_order,
    restore_inputs,
    to_restorer_range,
)

__all__ = [
    'build_restorer', 'freeze_module', 'to_restorer_range',
    'from_restorer_range', 'restore_inputs', 'raw_channel_order'
]
