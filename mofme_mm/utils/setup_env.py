"""Register every mofme_mm module and make mofme_mm the default scope."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mofme_mm package that registers modules.

    Args:
        init_default_scope (bool): Whether to make ``mofme_mm`` the current
            default scope, so unprefixed ``type`` names resolve to our
            registries first. Defaults to True.
    """
    import mofme_mm.datasets  # noqa: F401
    import mofme_mm.engine  # noqa: F401
    import mofme_mm.evaluation  # noqa: F401
    import mofme_mm.models  # noqa: F401
    import mofme_mm.visualization  # noqa: F401

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is not None and current.scope_name == 'mofme_mm':
        return
    if current is not None:
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      'is not "mofme_mm"; register_all_modules makes '
                      '"mofme_mm" the default scope.')
    name = 'mofme_mm'
    if DefaultScope.check_instance_created(name):
        name = f'mofme_mm-{datetime.datetime.now()}'
    DefaultScope.get_instance(name, scope_name='mofme_mm')
