"""Checkpoints written by mmengine load again on torch >= 2.6 (weights_only)."""
import copy
import os
import pickle

import pytest
import torch
import torch.nn as nn
from mmengine.logging import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint
from torch.utils.data import Dataset

from mofme_mm.utils.checkpoint_compat import load_checkpoint_file


class _LinearRegressor(BaseModel):
    """A tiny model trained by a real mmengine Runner."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.linear = nn.Linear(4, 1)

    def forward(self, inputs, targets=None, mode='tensor'):
        pred = self.linear(inputs)
        if mode == 'loss':
            return dict(loss=((pred - targets) ** 2).mean())
        return pred


class _Getattr:
    """Pickles as getattr(HistoryBuffer, '__init__'): the way from an allowed
    class to its module's globals, the classic escape from allow-lists."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


class _RandomPairs(Dataset):

    def __init__(self, length=16):
        generator = torch.Generator().manual_seed(0)
        self.x = torch.randn(length, 4, generator=generator)
        self.y = self.x.sum(1, keepdim=True)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        return dict(inputs=self.x[index], targets=self.y[index])


def _runner(work_dir, max_iters, **kwargs):
    return Runner(
        model=_LinearRegressor(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=_RandomPairs(),
            sampler=dict(type='DefaultSampler', shuffle=True),
            collate_fn=dict(type='default_collate'),
            batch_size=4,
            num_workers=0),
        optim_wrapper=dict(optimizer=dict(type='AdamW', lr=0.05)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=2, by_epoch=False),
            logger=dict(type='LoggerHook', interval=1)),
        randomness=dict(seed=0),
        default_scope='mmengine',
        **kwargs)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """An uninterrupted 4-iteration run with checkpoints at iterations 2 and 4."""
    work_dir = tmp_path_factory.mktemp('full')
    runner = _runner(work_dir, max_iters=4)
    runner.train()
    return work_dir, copy.deepcopy(runner.model.state_dict())


def test_mmengine_checkpoint_needs_the_fix(trained):
    path = trained[0] / 'iter_2.pth'
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)  # torch >= 2.6 default: weights_only=True
    checkpoint = _load_checkpoint(str(path))
    assert checkpoint['meta']['iter'] == 2
    loss_history = checkpoint['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss_history, HistoryBuffer)
    assert len(loss_history.data[0]) == 2


class SettingsRecord:
    """A plain data type a user might pickle into a checkpoint."""

    def __init__(self, value=1):
        self.value = value


def test_untrusted_globals_are_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': os.system}, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        load_checkpoint_file(str(path))
    message = str(info.value)
    assert f'Refusing to load "{path}"' in message
    assert 'posix.system' in message and 'may be malicious' in message
    assert 'add_safe_globals' not in message  # never advise allowing it
    torch.save({'payload': _Getattr()}, path)
    with pytest.raises(pickle.UnpicklingError, match='getattr') as info:
        load_checkpoint_file(str(path))
    assert str(path) in str(info.value)
    assert 'add_safe_globals' not in str(info.value)


def test_unknown_data_type_is_refused_with_the_allow_list_advice(tmp_path):
    path = tmp_path / 'custom.pth'
    torch.save({'state_dict': {}, 'settings': SettingsRecord()}, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        load_checkpoint_file(str(path))
    message = str(info.value)
    assert str(path) in message and 'SettingsRecord' in message
    assert 'add_safe_globals' in message


def _truncated(path):
    torch.save({'state_dict': {'w': torch.zeros(256)}}, path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.mark.parametrize('name,make,kind', [
    ('frame.png', lambda p: p.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(40)),
     'PNG image'),
    ('photo.jpg', lambda p: p.write_bytes(b'\xff\xd8\xff\xe0' + bytes(40)),
     'JPEG image'),
    ('empty.pth', lambda p: p.write_bytes(b''), 'empty (0 bytes)'),
    ('notes.pth', lambda p: p.write_text('epoch_10.pth\n'), 'text file'),
    ('cut.pth', _truncated, 'truncated or damaged'),
])
def test_a_file_that_is_not_a_checkpoint_fails_in_one_line(tmp_path, name,
                                                           make, kind):
    path = tmp_path / name
    make(path)
    with pytest.raises(pickle.UnpicklingError) as info:
        load_checkpoint_file(str(path))
    message = str(info.value)
    assert str(path) in message and kind in message
    assert '\n' not in message
    # no chained torch traceback above it
    assert info.value.__context__ is None or info.value.__suppress_context__


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        load_checkpoint_file(str(tmp_path / 'nowhere.pth'))


def test_resume_matches_uninterrupted_run(trained, tmp_path):
    work_dir, final_weights = trained
    # an interrupted run: only the iteration-2 checkpoint survives
    (tmp_path / 'iter_2.pth').write_bytes((work_dir / 'iter_2.pth').read_bytes())
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    runner = _runner(tmp_path, max_iters=4, resume=True)
    runner.train()
    assert runner.iter == 4
    for name, value in runner.model.state_dict().items():
        torch.testing.assert_close(value, final_weights[name])


def test_load_from_and_pretrained_init(trained, tmp_path):
    work_dir, final_weights = trained
    checkpoint = str(work_dir / 'iter_4.pth')
    runner = _runner(tmp_path, max_iters=4, load_from=checkpoint)
    runner.load_or_resume()
    torch.testing.assert_close(
        runner.model.linear.weight, final_weights['linear.weight'])

    model = _LinearRegressor(init_cfg=dict(type='Pretrained', checkpoint=checkpoint))
    model.init_weights()
    torch.testing.assert_close(model.linear.bias, final_weights['linear.bias'])
