from .aux_losses import (
    RESTORER_AUX_LOSSES,
    recording_network_losses,
    weighted_aux_losses,
)
from .deweather import (
    build_restorer,
    freeze_module,
    from_restorer_range,
    raw_channel_order,
    restore_inputs,
    to_restorer_range,
)
from .restorer_holder import RestorerHolderMixin, attach_restorer_aux_losses
from .weight_loading import (
    WeightLoadingError,
    load_state_dict_checked,
    read_state_dict,
    state_dict_of,
)

__all__ = [
    'build_restorer', 'freeze_module', 'to_restorer_range',
    'from_restorer_range', 'restore_inputs', 'raw_channel_order',
    'RESTORER_AUX_LOSSES', 'recording_network_losses', 'weighted_aux_losses',
    'RestorerHolderMixin', 'attach_restorer_aux_losses', 'WeightLoadingError',
    'load_state_dict_checked', 'read_state_dict', 'state_dict_of'
]
