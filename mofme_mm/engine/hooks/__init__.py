from .epoch_seed_hook import EpochSeedHook, epoch_seed
from .restoration_visualization_hook import RestorationVisualizationHook

__all__ = ['EpochSeedHook', 'RestorationVisualizationHook', 'epoch_seed']
