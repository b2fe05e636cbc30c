"""mofme_mm: MoFME deweathering (feature-modulated experts with an
uncertainty-aware router) as an OpenMMLab plugin.

Importing the package checks the mmcv / mmengine versions, registers every
module, lets mmengine load its own checkpoints on torch >= 2.6 and resolve
``mofme_mm::`` config paths, so a config only needs
``custom_imports = dict(imports=['mofme_mm'], allow_failed_imports=False)``.
mmseg and mmdet are optional: the parts that need a missing one say what to
install when they are built (:mod:`mofme_mm.utils.optional_import`).
"""
import mmcv
import mmengine

from .version import MMCV_RANGE, MMENGINE_RANGE, __version__, check_version

check_version('mmcv', mmcv.__version__, MMCV_RANGE)
check_version('mmengine', mmengine.__version__, MMENGINE_RANGE)

from . import apis, datasets, engine, evaluation, models, visualization  # noqa: E402,F401,I001
from .utils import checkpoint_compat  # noqa: E402,F401
from .utils.package_configs import register_with_mmengine  # noqa: E402

register_with_mmengine()

__all__ = ['__version__']
