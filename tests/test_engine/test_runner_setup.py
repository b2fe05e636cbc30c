import pytest
from mmengine.config import Config

from mofme_mm.engine.runner_setup import (
    check_data_roots,
    missing_data_roots,
    setup_cpu_distributed,
)


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
    assert ('--cfg-options train_dataloader.dataset.datasets.1.data_root='
            in message)
    assert 'make_toy_cityscapes.py' in message
    check_data_roots(cfg, ['val_dataloader'])  # absent loaders are skipped


def test_cpu_distributed_is_a_no_op_without_launcher():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert not setup_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg
