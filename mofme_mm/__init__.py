"""mofme_mm: MoFME deweathering (feature-modulated experts with an
uncertainty-aware router) as an OpenMMLab plugin.

Importing the package registers every module, and lets mmengine load its own
checkpoints on torch >= 2.6, so a config only needs
``custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)``.
"""
from . import apis, datasets, engine, evaluation, models, visualization  # noqa: F401
from .utils import checkpoint_compat  # noqa: F401
from .version import __version__

__all__ = ['__version__']
