"""mmseg and mmdet are optional: ``import mofme_mm`` with one of them blocked.

A fresh interpreter gets an import blocker (a ``sys.meta_path`` finder that
raises ``ModuleNotFoundError`` for the library, as a missing installation
does) before anything is imported; then mofme_mm is imported, every part
that does not need the blocked library is built and run, and every part
that does raises an ``ImportError`` that says what to install.
"""
import json
import os
import subprocess
import sys

import pytest

from mofme_mm.registry import MODELS
from mofme_mm.utils.optional_import import (
    REQUIREMENTS,
    import_optional,
    missing_message,
)

TINY_RESTORER = dict(
    type='DeweatherRestorer',
    network=dict(type='MoFMEViT', embed_dims=16, depth=1, num_heads=2,
                 head_dims=8, mlp_ratio=2.0, patch_size=4, head_channels=4,
                 tail_channels=4, ffn_cfg=dict(type='fme', num_experts=4,
                                               top_k=2),
                 router_cfg=dict(type='topk')))

PARTS = {
    'mmdet': {'DeweatherDetDataPreprocessor': 'MODELS',
              'RainCityscapesDetDataset': 'DATASETS',
              'FoggyCityscapesDetDataset': 'DATASETS',
              'PerWeatherCocoMetric': 'METRICS'},
    'mmseg': {'DeweatherSegDataPreProcessor': 'MODELS',
              'RainCityscapesSegDataset': 'DATASETS',
              'FoggyCityscapesSegDataset': 'DATASETS',
              'PerWeatherIoUMetric': 'METRICS'},
}

SCRIPT = r'''
import json, sys

BLOCKED = {blocked!r}


class Blocker:
    """Behave as if BLOCKED were not installed."""

    def find_spec(self, name, path=None, target=None):
        if name == BLOCKED or name.startswith(BLOCKED + '.'):
            raise ModuleNotFoundError(f'No module named {{name!r}}',
                                      name=name)
        return None


sys.meta_path.insert(0, Blocker())

import torch
import mofme_mm
from mofme_mm.registry import DATASETS, METRICS, MODELS
from mofme_mm.utils.optional_import import UNAVAILABLE

report = dict(
    loaded=sorted(m for m in sys.modules
                  if m.split('.')[0] in ('mmseg', 'mmdet')),
    unavailable=sorted(UNAVAILABLE), errors={{}}, placeholders={{}})
registries = dict(MODELS=MODELS, DATASETS=DATASETS, METRICS=METRICS)
restorer = {restorer!r}
blocked_parts = {blocked_parts!r}
for name, registry in blocked_parts.items():
    cls = registries[registry].get(name)
    report['placeholders'][name] = cls.__module__
    args = dict(restorer=restorer) if registry == 'MODELS' else {{}}
    try:
        registries[registry].build(dict(type=name, **args))
    except ImportError as error:
        report['errors'][name] = str(error)

# Every part registered here is the real class, except the blocked ones.
for registry in registries.values():
    for name, cls in registry.module_dict.items():
        if name not in blocked_parts:
            assert cls.__module__.startswith('mofme_mm.') and (
                'optional_import' not in cls.__module__), (name, cls)

# The parts of the other library build and run.
image = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
if BLOCKED == 'mmdet':
    from mmseg.structures import SegDataSample
    pre = MODELS.build(dict(type='DeweatherSegDataPreProcessor',
                            restorer=restorer, untrained_restorer=True))
    out = pre(dict(inputs=[image], data_samples=[SegDataSample()]), False)
    dataset = DATASETS.build(dict(type='RainCityscapesSegDataset',
                                  data_root={root!r}, split='val'))
    METRICS.build(dict(type='PerWeatherIoUMetric'))
else:
    from mmdet.structures import DetDataSample
    pre = MODELS.build(dict(type='DeweatherDetDataPreprocessor',
                            restorer=restorer, untrained_restorer=True))
    sample = DetDataSample(metainfo=dict(img_shape=(32, 32)))
    out = pre(dict(inputs=[image], data_samples=[sample]), False)
    dataset = DATASETS.build(dict(type='RainCityscapesDetDataset',
                                  data_root={root!r}, split='val',
                                  lazy_init=True))
    METRICS.build(dict(type='PerWeatherCocoMetric'))
restored = MODELS.build(restorer).restore(torch.rand(1, 3, 32, 32))
report['inputs_shape'] = list(out['inputs'].shape)
report['dataset'] = type(dataset).__module__
report['dataset_len'] = len(dataset) if BLOCKED == 'mmdet' else None
report['restored_shape'] = list(restored.shape)
print('REPORT' + json.dumps(report))
'''


def run_blocked(blocked: str, root: str) -> dict:
    other = 'mmseg' if blocked == 'mmdet' else 'mmdet'
    script = SCRIPT.format(blocked=blocked, restorer=TINY_RESTORER,
                           blocked_parts=PARTS[blocked], root=root)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    result = subprocess.run([sys.executable, '-c', script], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-4000:]
    [line] = [x for x in result.stdout.splitlines()
              if x.startswith('REPORT')]
    report = json.loads(line[len('REPORT'):])
    report['other'] = other
    return report


@pytest.mark.parametrize('blocked', ['mmdet', 'mmseg'])
def test_import_works_with_one_library_blocked(blocked, toy_cityscapes_root):
    report = run_blocked(blocked, toy_cityscapes_root)
    # nothing of the blocked library was imported
    assert not any(m.split('.')[0] == blocked for m in report['loaded'])
    assert any(m.split('.')[0] == report['other'] for m in report['loaded'])
    # exactly its parts are placeholders, and each says what to install
    assert report['unavailable'] == sorted(PARTS[blocked])
    assert set(report['errors']) == set(PARTS[blocked])
    assert set(report['placeholders'].values()) == {
        'mofme_mm.utils.optional_import'}
    for name, message in report['errors'].items():
        assert message == missing_message(name, blocked)
        assert f'needs {blocked}' in message
        assert f'pip install {REQUIREMENTS[blocked]}' in message
    # the other library's parts are the real classes and work
    assert report['inputs_shape'] == [1, 3, 32, 32]
    assert report['restored_shape'] == [1, 3, 32, 32]
    assert report['dataset'].startswith('mofme_mm.datasets.')
    if blocked == 'mmdet':
        assert report['dataset_len'] > 0  # the toy val frames were found


def test_missing_message_names_part_library_and_command():
    message = missing_message('DeweatherDetDataPreprocessor', 'mmdet')
    assert message == (
        'mofme_mm.DeweatherDetDataPreprocessor needs mmdet, which is not '
        'installed: pip install mmdet==3.3.0 (or pip install '
        '"mofme-mm[det]")')


def test_pins_match_the_install_requirements():
    """The versions the messages recommend are the ones make install
    installs (requirements/openmmlab.txt)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    with open(os.path.join(root, 'requirements', 'openmmlab.txt')) as f:
        pins = {line.split('#')[0].strip() for line in f}
    assert set(REQUIREMENTS.values()) <= pins


def test_other_missing_modules_are_not_hidden(tmp_path, monkeypatch):
    """Only the library itself may be missing: a part whose own imports are
    broken raises as usual, and registers nothing."""
    (tmp_path / 'broken_part_xyz.py').write_text(
        'import mmdet\nimport no_such_module_xyz\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match='no_such_module_xyz'):
        import_optional('broken_part_xyz', 'BrokenPartXyz', 'mmdet', MODELS)
    assert MODELS.get('BrokenPartXyz') is None


def test_present_library_gives_the_real_class():
    from mofme_mm.models.data_preprocessors.deweather_det_data_preprocessor import (
        DeweatherDetDataPreprocessor,
    )
    part = import_optional(
        'mofme_mm.models.data_preprocessors.deweather_det_data_preprocessor',
        'DeweatherDetDataPreprocessor', 'mmdet', MODELS)
    assert part is DeweatherDetDataPreprocessor
    assert MODELS.get('DeweatherDetDataPreprocessor') is part


def test_unknown_library_is_refused():
    with pytest.raises(ValueError, match='mmdet'):
        import_optional('os', 'path', 'mmpose', MODELS)
