"""Registries of mofme_mm, children of mmengine's root registries.

A config written for mmseg or mmdet names our modules as ``mofme_mm.Name``;
``locations`` lets a registry import the modules that fill it on first use.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import DefaultScope, Registry, build_from_cfg
from mmengine.registry.build_functions import build_model_from_cfg


def _registered_here(cfg, registry: Registry) -> bool:
    """Whether ``cfg['type']`` is an unprefixed name registered in ``registry``."""
    obj_type = cfg.get('type') if isinstance(cfg, dict) else None
    if not isinstance(obj_type, str) or '.' in obj_type:
        return False
    registry.import_from_location()
    return obj_type in registry.module_dict


def _own_scope_first(build_func):
    """Resolve our own unprefixed types in our scope, whatever the default.

    mmengine resolves a ``type`` in the registry of the *current default
    scope*. Inside an mmseg or mmdet run that is mmseg's/mmdet's registry, so
    a ``mofme_mm`` module that builds its parts by their plain names (as every
    OpenMMLab module does) would not find them. This wrapper switches to the
    ``mofme_mm`` scope while such a part is built; prefixed names
    (``mmseg.FCNHead``) and names we do not register keep the usual rules.
    """

    def build(cfg, registry: Registry, *args, **kwargs):
        if isinstance(cfg, (list, tuple)) or not _registered_here(cfg, registry):
            return build_func(cfg, registry, *args, **kwargs)
        with DefaultScope.overwrite_default_scope(registry.scope):
            return build_func(cfg, registry, *args, **kwargs)

    return build

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS)
LOOPS = Registry('loop', parent=MMENGINE_LOOPS)
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, locations=['mofme_mm.engine'],
    build_func=_own_scope_first(build_from_cfg))

DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['mofme_mm.datasets'],
    build_func=_own_scope_first(build_from_cfg))
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS)
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, locations=['mofme_mm.datasets'],
    build_func=_own_scope_first(build_from_cfg))

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, locations=['mofme_mm.models'],
    build_func=_own_scope_first(build_model_from_cfg))
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS)

OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS)

METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, locations=['mofme_mm.evaluation'],
    build_func=_own_scope_first(build_from_cfg))
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, locations=['mofme_mm.evaluation'])

VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS,
    locations=['mofme_mm.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS)
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS)
