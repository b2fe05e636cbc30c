"""Add the restorer's aux losses to the downstream loss in end-to-end runs."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper

from mofme_mm.models.utils import attach_restorer_aux_losses
from mofme_mm.registry import HOOKS


@HOOKS.register_module()
class RestorerAuxLossHook(Hook):
    """Put the restorer's load-balance and uncertainty losses in the loss.

    An mmseg / mmdet model that trains a deweathering restorer (a trainable
    ``DeweatherBackbone`` or deweathering data preprocessor) builds its
    loss dict itself; before training starts this hook calls
    :func:`~mofme_mm.models.utils.attach_restorer_aux_losses`, so that every
    ``train_step`` also optimises ``loss_restorer_balance`` and
    ``loss_restorer_uncertainty`` (the restorer's Eq. 8 and Eq. 10 losses
    weighted by its ``balance_loss_weight`` / ``uncertainty_loss_weight``,
    Eq. 11), as upstream training of the restorer does. Without it such a
    run stops at its first iteration with an error that names this hook.

    Usage: ``custom_hooks = [dict(type='mofme_mm.RestorerAuxLossHook')]``.
    """

    priority = 'NORMAL'

    def before_train(self, runner) -> None:
        """Attach the collector to the (unwrapped) model."""
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        holders = attach_restorer_aux_losses(model)
        trained = [h for h in holders
                   if h.trainable and h.restorer_aux_losses]
        print_log(
            f'RestorerAuxLossHook: {len(trained)} trained restorer(s) add '
            'loss_restorer_balance / loss_restorer_uncertainty to the loss'
            + ('' if trained else ' (no restorer trains in this model)'),
            logger='current')
