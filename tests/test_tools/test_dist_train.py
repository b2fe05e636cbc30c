"""A real 2-process DDP run (gloo on CPU) through tools/dist_train.sh."""
import os.path as osp
import socket
import sys

import pytest
from tiny_config import run_command, write_tiny_config

from mofme_mm.utils.checkpoint_compat import load_checkpoint_file


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_two_process_ddp_runs_two_iterations(tmp_path, toy_cityscapes_root):
    # 24 toy training images, 2 processes x batch 6: 2 iterations per epoch
    config = write_tiny_config(
        tmp_path / 'tiny.py', toy_cityscapes_root,
        extra='train_dataloader.update(batch_size=6)\n'
        'train_cfg.update(max_epochs=1)')
    work_dir = tmp_path / 'work'
    result = run_command(
        ['bash', 'tools/dist_train.sh', config, '2', '--work-dir',
         str(work_dir)],
        env_extra=dict(PYTHON=sys.executable, PORT=str(free_port())))
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert 'Distributed training: True' in log
    checkpoint = load_checkpoint_file(str(work_dir / 'epoch_1.pth'))
    assert checkpoint['meta']['iter'] == 2
    assert checkpoint['meta']['epoch'] == 1
    assert osp.isfile(work_dir / 'last_checkpoint')
