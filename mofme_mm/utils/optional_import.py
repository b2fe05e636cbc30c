"""Import the parts of mofme_mm that need mmseg or mmdet, if those exist.

``import mofme_mm`` works with only one of mmseg / mmdet installed. A package
``__init__`` imports each part that subclasses an mmseg or mmdet class with
:func:`import_optional`. When that library is not installed, a placeholder
class takes the part's place: it is registered under the same name in the
same registry, so a config naming ``mofme_mm.DeweatherDetDataPreprocessor``
still finds it, and building it (or calling it) raises an ``ImportError``
that says what to install. Any other import error is raised as usual: an
installed but broken mmdet is not hidden.
"""
import importlib
from typing import Dict, Optional

from mmengine.registry import Registry

# What `make install` installs (requirements/openmmlab.txt) and the range
# mofme_mm supports (setup.py extras ``seg`` / ``det``).
REQUIREMENTS: Dict[str, str] = {
    'mmseg': 'mmsegmentation==1.2.2',
    'mmdet': 'mmdet==3.3.0',
}
EXTRAS: Dict[str, str] = {'mmseg': 'seg', 'mmdet': 'det'}

# Placeholders registered in this process: part name -> message.
UNAVAILABLE: Dict[str, str] = {}


def missing_message(part: str, library: str) -> str:
    """The error message of a part whose library is not installed.

    Args:
        part (str): The part's name, e.g. ``'DeweatherDetDataPreprocessor'``.
        library (str): The module it needs, ``'mmseg'`` or ``'mmdet'``.

    Returns:
        str: One line naming the part, the library and the install command.
    """
    return (f'mofme_mm.{part} needs {library}, which is not installed: '
            f'pip install {REQUIREMENTS[library]} '
            f'(or pip install "mofme-mm[{EXTRAS[library]}]")')


def _placeholder(part: str, library: str) -> type:
    """A class named ``part`` whose construction raises ``ImportError``."""
    message = missing_message(part, library)

    def __init__(self, *args, **kwargs):
        raise ImportError(message)

    return type(part, (), {
        '__init__': __init__,
        '__doc__': f'Unavailable here. {message}.',
        '__module__': __name__,
        'unavailable_reason': message,
    })


def import_optional(module: str, part: str, library: str,
                    registry: Registry,
                    package: Optional[str] = None) -> type:
    """Import ``part`` from ``module``, or register a placeholder for it.

    Args:
        module (str): The module defining the part (relative to
            ``package`` when it starts with a dot).
        part (str): The class name, which is also its registered name.
        library (str): The top-level module it needs, ``'mmseg'`` or
            ``'mmdet'``.
        registry (Registry): The registry the part registers itself in.
        package (str, optional): Anchor of a relative ``module``, i.e. the
            caller's ``__name__``. Defaults to None.

    Returns:
        type: The part, or, when ``library`` is not installed, a placeholder
        registered in ``registry`` under ``part`` whose construction raises
        ``ImportError`` saying what to install.

    Raises:
        ModuleNotFoundError: When a module other than ``library`` itself
            is missing (a broken installation is not hidden).
    """
    if library not in REQUIREMENTS:
        raise ValueError(f'import_optional: library must be one of '
                         f'{sorted(REQUIREMENTS)}, got {library!r}')
    try:
        return getattr(importlib.import_module(module, package), part)
    except ModuleNotFoundError as error:
        if error.name != library:
            raise
    placeholder = _placeholder(part, library)
    registry.register_module(name=part, module=placeholder)
    UNAVAILABLE[part] = placeholder.unavailable_reason
    return placeholder
