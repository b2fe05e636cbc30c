"""Helpers of the tool tests: a tiny toy config and subprocess runners."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIG = osp.join(REPO, 'configs', 'toy', 'mofme_raincityscapes_toy.py')

TINY_CONFIG = '''
_base_ = [{toy!r}]
data_root = {root!r}
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadGTImageFromFile'),
    dict(type='PairedRandomCrop', crop_size=(32, 32)),
    dict(type='PairedRandomFlip', prob=0.5),
    dict(type='PackRestorationInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(datasets=[
        dict(d, data_root=data_root, pipeline=train_pipeline)
        for d in _base_.train_dataloader.dataset.datasets]))
val_dataloader = dict(dataset=dict(datasets=[
    dict(d, data_root=data_root)
    for d in _base_.val_dataloader.dataset.datasets]))
test_dataloader = val_dataloader
model = dict(
    network=dict(embed_dims=16, num_heads=2, head_dims=8, mlp_ratio=2,
                 patch_size={patch}, head_channels=8, tail_channels=8),
    test_cfg=dict(tile_size={tile}))
train_cfg = dict(max_epochs=2, val_interval=2)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=1, max_keep_ckpts=3))
{extra}
'''


def write_tiny_config(path, data_root: str, extra: str = '', patch: int = 4,
                      tile: int = 32) -> str:
    """Write a config inheriting the toy one with a tiny model and crops."""
    text = TINY_CONFIG.format(toy=TOY_CONFIG, root=data_root, extra=extra,
                              patch=patch, tile=tile)
    with open(path, 'w') as f:
        f.write(text)
    return str(path)


def run_command(command, env_extra=None, timeout=240):
    """Run ``command`` from the repository root; return the result."""
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in (REPO, env.get('PYTHONPATH')) if p)
    env.update(env_extra or {})
    return subprocess.run(command, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


def run_tool(args, env_extra=None, timeout=240):
    """Run ``python <args>`` with this interpreter from the repository root."""
    return run_command([sys.executable, *args], env_extra, timeout)


def save_moved_restorer(downstream_config: str, path) -> str:
    """Save weights for the restorer of a downstream config, moved away from
    its initial ones (so that a test sees whether they were loaded).

    Args:
        downstream_config (str): A config with a ``restorer_config``.
        path: Destination checkpoint file.

    Returns:
        str: ``path``.
    """
    import torch
    from mmengine.config import Config

    from mofme_mm.models.utils import build_restorer
    restorer = build_restorer(Config.fromfile(downstream_config).restorer_config)
    with torch.no_grad():
        for param in restorer.parameters():
            param.mul_(0.9)
    torch.save(dict(state_dict=restorer.state_dict()), path)
    return str(path)
