from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .restoration_visualization_hook import RestorationVisualizationHook
from .restorer_aux_loss_hook import RestorerAuxLossHook

__all__ = [
    'EpochSeedHook', 'RestorationVisualizationHook', 'RestorerAuxLossHook',
    'epoch_seed'
]
