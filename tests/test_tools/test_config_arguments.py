"""Every tool refuses a missing config in one usage line, before any work."""
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MISSING = 'configs/no_such_config.py'
PRESENT = osp.join(REPO, 'configs', 'toy', 'mofme_toy_demo_restorer.py')

COMMANDS = {
    'tools/train.py': [MISSING],
    'tools/test.py': [MISSING, 'model.pth'],
    'tools/deweather.py': ['frame.png', '--config', MISSING,
                           '--checkpoint', 'model.pth', '--out-dir', 'out'],
    'tools/analysis/get_flops.py': [MISSING],
    'tools/analysis/benchmark.py': [PRESENT, MISSING],
    'tools/analysis/restorer_targets.py': [MISSING, 'model.pth'],
    'tools/analysis/router_tsne.py': [MISSING, 'model.pth'],
    'tools/analysis/ablation_table1.py': ['--config', MISSING],
    'tools/analysis/scaling.py': ['--moe-config', PRESENT,
                                  '--mofme-config', MISSING],
    'tools/deployment/export_onnx.py': [MISSING, '--untrained',
                                        '--out', 'x.onnx'],
    'tools/misc/browse_dataset.py': [MISSING],
    'tools/misc/print_config.py': [MISSING],
}


def run_tool(tool, args, cwd):
    return subprocess.run([sys.executable, osp.join(REPO, tool), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize('tool', sorted(COMMANDS))
def test_a_missing_config_is_one_usage_error_naming_it(tool, tmp_path):
    # run in an empty folder: the relative outputs and work_dirs would land
    # there, and nothing may be written
    result = run_tool(tool, COMMANDS[tool], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert 'Traceback' not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert MISSING in last and 'does not exist' in last, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_tool_reads_a_shipped_config_from_any_directory(tmp_path):
    result = run_tool('tools/misc/print_config.py',
                      ['mofme_mm::toy/mofme_toy_demo_restorer.py'],
                      cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'DeweatherRestorer' in result.stdout
