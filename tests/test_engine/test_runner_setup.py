import os.path as osp

import pytest
from mmengine.config import Config

from mofme_mm.engine.runner_setup import (
    DATASET_DOCS,
    apply_cfg_options,
    check_data_roots,
    missing_data_roots,
    setup_cpu_distributed,
)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_missing_roots_are_named_with_their_config_keys(tmp_path):
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='MultiWeatherDataset',
            datasets=[dict(data_root=str(tmp_path)),
                      dict(data_root='no/such/root')])),
        test_dataloader=dict(dataset=dict(data_root='other/missing'))))
    assert missing_data_roots(cfg) == [
        ('train_dataloader.dataset.datasets.1.data_root', 'no/such/root'),
        ('test_dataloader.dataset.data_root', 'other/missing')]
    with pytest.raises(FileNotFoundError) as info:
        check_data_roots(cfg)
    message = str(info.value)
    assert '--cfg-options data_root=/path/to/data' in message
    assert ('--cfg-options train_dataloader.dataset.datasets.1.data_root='
            in message)  # what mmseg's and mmdet's own tools need
    assert 'make_toy_cityscapes.py' in message
    assert DATASET_DOCS in message
    assert osp.isfile(osp.join(REPO, DATASET_DOCS))
    check_data_roots(cfg, ['val_dataloader'])  # absent loaders are skipped


def test_cpu_distributed_is_a_no_op_without_launcher():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert not setup_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


def toy_like_config():
    """Variables substituted into nested fields, as in a real config file."""
    root, ckpt = 'data/toy', None
    part = dict(type='RainCityscapesSegDataset', data_root=root)
    return Config(dict(
        data_root=root, restorer_checkpoint=ckpt,
        restorer_config='toy_restorer.py', max_iters=1000,
        model=dict(
            data_preprocessor=dict(type='DeweatherSegDataPreProcessor',
                                   restorer='toy_restorer.py',
                                   restorer_checkpoint=ckpt),
            test_cfg=dict(mode='whole')),
        train_dataloader=dict(dataset=dict(type='CityscapesDataset',
                                           data_root=root)),
        val_dataloader=dict(dataset=dict(
            type='MultiWeatherDataset', datasets=[dict(part),
                                                  dict(part)])),
        train_cfg=dict(max_iters=1000, val_interval=1000),
        param_scheduler=[dict(type='PolyLR', end=1000)]))


def test_undotted_option_sets_every_field_of_that_name():
    cfg = toy_like_config()
    apply_cfg_options(cfg, {'data_root': '/data/x',
                            'restorer_checkpoint': 'r.pth'})
    assert cfg.data_root == '/data/x'
    assert cfg.train_dataloader.dataset.data_root == '/data/x'
    assert [d.data_root for d in cfg.val_dataloader.dataset.datasets] == [
        '/data/x', '/data/x']
    assert cfg.model.data_preprocessor.restorer_checkpoint == 'r.pth'


def test_fields_holding_the_old_value_under_other_names_are_reported(
        mm_log):
    cfg = toy_like_config()
    apply_cfg_options(cfg, {'max_iters': 10})
    assert cfg.train_cfg.max_iters == 10
    assert cfg.param_scheduler[0].end == 1000  # another name: unchanged...
    out = '\n'.join(mm_log)
    assert 'were NOT changed' in out  # ...and said so
    assert 'param_scheduler.0.end' in out and 'train_cfg.val_interval' in out


def test_option_that_reaches_nothing_is_an_error():
    cfg = toy_like_config()
    with pytest.raises(KeyError, match='close names: data_root'):
        apply_cfg_options(cfg, {'data_roots': '/x'})
    # a variable whose value was substituted under another field name
    with pytest.raises(KeyError,
                       match='model.data_preprocessor.restorer; set them'):
        apply_cfg_options(cfg, {'restorer_config': 'other.py'})
    assert cfg.model.data_preprocessor.restorer == 'toy_restorer.py'


def test_runner_fields_keep_mmengine_meaning():
    cfg = toy_like_config()
    apply_cfg_options(cfg, {'test_cfg': dict(type='TestLoop'),
                            'load_from': 'seg.pth'})
    assert cfg.test_cfg == dict(type='TestLoop')
    assert cfg.model.test_cfg == dict(mode='whole')  # not propagated
    assert cfg.load_from == 'seg.pth'


def test_dotted_option_needs_an_existing_parent():
    cfg = toy_like_config()
    apply_cfg_options(cfg, {'model.test_cfg.tile_size': 64,
                            'val_dataloader.dataset.datasets.1.data_root':
                            '/y'})
    assert cfg.model.test_cfg.tile_size == 64  # a new leaf is fine
    assert cfg.val_dataloader.dataset.datasets[1].data_root == '/y'
    with pytest.raises(KeyError, match='has no model.data_preprocesor'):
        apply_cfg_options(cfg, {'model.data_preprocesor.size': 3})
    with pytest.raises(KeyError, match='did you mean data_preprocessor'):
        apply_cfg_options(cfg, {'model.data_preprocesor.size': 3})
    with pytest.raises(KeyError, match='is a list of 2'):
        apply_cfg_options(cfg, {'val_dataloader.dataset.datasets.5.x': 1})
    with pytest.raises(KeyError, match="not a dict, so it has no field 'x'"):
        apply_cfg_options(cfg, {'model.data_preprocessor.restorer.x': 1})


def test_tools_apply_the_options(tmp_path):
    from argparse import Namespace

    from mofme_mm.engine.runner_setup import load_config
    path = tmp_path / 'cfg.py'
    path.write_text("data_root = 'a'\n"
                    "train_dataloader = dict(dataset=dict(data_root=data_root))\n")
    cfg = load_config(Namespace(config=str(path), launcher='none',
                                cfg_options={'data_root': 'b'},
                                work_dir=None))
    assert cfg.train_dataloader.dataset.data_root == 'b'
