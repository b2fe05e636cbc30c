"""Version of mofme_mm and the OpenMMLab versions it works with.

setup.py reads this file without importing the package (``install_requires``
and the ``seg`` / ``det`` extras come from the ranges below), and
``import mofme_mm`` checks mmcv and mmengine against them, as mmseg does.
"""
from typing import Tuple

__version__ = '0.1.0'

# [minimum, maximum) of each library. mmcv < 2.2.0: mmseg 1.2.2 and mmdet
# 3.3.0 refuse mmcv 2.2. Tested with mmcv 2.1.0, mmengine 0.10.7, mmseg
# 1.2.2 and mmdet 3.3.0 (requirements/openmmlab.txt).
MMCV_RANGE = ('2.0.0', '2.2.0')
MMENGINE_RANGE = ('0.10.0', '1.0.0')
MMSEG_RANGE = ('1.2.0', '1.3.0')
MMDET_RANGE = ('3.3.0', '3.4.0')


def check_version(package: str, installed: str,
                  supported: Tuple[str, str]) -> None:
    """Raise ``ImportError`` when ``installed`` is outside ``supported``.

    Args:
        package (str): The pip name (``'mmcv'``), used in the message.
        installed (str): Its ``__version__``.
        supported (tuple[str, str]): ``(minimum, maximum)``, maximum
            excluded.

    Raises:
        ImportError: Naming both versions and the pip command that fixes it.
    """
    from mmengine.utils import digit_version

    minimum, maximum = supported
    if not digit_version(minimum) <= digit_version(installed) < (
            digit_version(maximum)):
        raise ImportError(
            f'mofme_mm {__version__} needs {package}>={minimum},<{maximum}, '
            f'but {package}=={installed} is installed: '
            f'pip install "{package}>={minimum},<{maximum}"')
