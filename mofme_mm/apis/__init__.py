"""Python API: build a restorer and deweather images, folders and videos."""
from .inference import (
    check_device,
    init_restorer,
    load_restorer_config,
    restore_images,
    tiling_cfg,
)
from .input_plan import InputItem, collect_inputs, plan_outputs
from .mofme_inferencer import MoFMEInferencer

__all__ = [
    'init_restorer', 'restore_images', 'load_restorer_config', 'check_device',
    'tiling_cfg', 'MoFMEInferencer', 'InputItem', 'collect_inputs',
    'plan_outputs'
]
