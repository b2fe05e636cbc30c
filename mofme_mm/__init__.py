"""mofme_mm: MoFME deweathering (feature-modulated experts with an
uncertainty-aware router) as an OpenMMLab plugin.

Importing the package registers every module, so a config only needs
``custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)``.
"""
from .utils import checkpoint_compat  # noqa: F401  (before anything loads)
from . import datasets, engine, evaluation, models, visualization  # noqa: F401,E402
from .version import __version__  # noqa: E402

__all__ = ['__version__']
