"""Plot and summarise the scalar logs of training runs.

Reads the json-lines scalar logs that mmengine writes in every run
(``work_dir/<timestamp>/vis_data/scalars.json``, the same as
``<timestamp>.json``): training losses, ``lr``, ``time`` per step, and the
validation metrics (``PSNR``, ``rain/SSIM``, ``mIoU``...). Each value is
taken at the ``step`` it was logged at: the iteration for training keys,
the epoch for the validation of an epoch-based run (as mmengine logs it).
Used instead of mmseg's ``analyze_logs.py``, which needs seaborn and plots
only mIoU / mAcc / aAcc as validation metrics.

Examples:
    python tools/analysis/analyze_logs.py summary \\
        work_dirs/mofme_raincityscapes_toy/*/vis_data/scalars.json
    python tools/analysis/analyze_logs.py plot RUN_A.json RUN_B.json \\
        --keys loss PSNR --legend a b --out curves.png
"""
import argparse
import json
import math
import numbers
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mofme_mm.utils.atomic_write import atomic_output

Series = List[Tuple[int, float]]
# keys of the logs that are bookkeeping, not curves
BOOKKEEPING = ('step', 'epoch', 'iter')


def load_scalar_log(path: str) -> Dict[str, Series]:
    """Read one json-lines scalar log.

    Args:
        path (str): The log file.

    Returns:
        dict[str, list[tuple[int, float]]]: For every numeric key, its
        ``(step, value)`` pairs in file order.

    Raises:
        FileNotFoundError: The file is missing.
        ValueError: A line is not a json object with a ``step`` (the file
            and line are named), or the file holds no scalar at all.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'log {path!r} does not exist; pass the scalars.json of a run '
            '(work_dir/<timestamp>/vis_data/scalars.json)')
    series: Dict[str, Series] = {}
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}:{number}: not a json line ({error})'
                                 '; is this an mmengine scalar log?') from None
            if not isinstance(record, dict) or 'step' not in record:
                raise ValueError(f'{path}:{number}: a scalar log line is a '
                                 'json object with a "step"; got '
                                 f'{line.strip()[:80]!r}')
            step = int(record['step'])
            for key, value in record.items():
                if key in BOOKKEEPING or isinstance(value, bool) or (
                        not isinstance(value, numbers.Real)):
                    continue
                series.setdefault(key, []).append((step, float(value)))
    if not series:
        raise ValueError(f'{path}: no scalar values found')
    return series


def _best(key: str, values: Sequence[float]) -> Tuple[str, float]:
    """Lower is better for losses and times, higher for metrics."""
    lower = key.startswith('loss') or key.split('/')[-1].startswith(
        'loss') or key in ('time', 'data_time', 'memory', 'lr')
    return ('min', min(values)) if lower else ('max', max(values))


def summarise(log: Dict[str, Series]) -> str:
    """A table of every key: count, first, last and best value with step.

    Args:
        log (dict): Output of :func:`load_scalar_log`.

    Returns:
        str: One row per key; NaN values are counted and reported.
    """
    rows = [f"{'key':<28}{'n':>6}{'first':>12}{'last':>12}{'best':>16}"
            f"{'at step':>9}{'nan':>5}"]
    for key in sorted(log):
        pairs = log[key]
        finite = [(s, v) for s, v in pairs if not math.isnan(v)]
        nans = len(pairs) - len(finite)
        if not finite:
            rows.append(f'{key:<28}{len(pairs):>6}{"all NaN":>49}{nans:>5}')
            continue
        kind, best = _best(key, [v for _, v in finite])
        step = next(s for s, v in finite if v == best)
        rows.append(f'{key:<28}{len(pairs):>6}{finite[0][1]:>12.5g}'
                    f'{finite[-1][1]:>12.5g}{kind + " " + format(best, ".5g"):>16}'
                    f'{step:>9}{nans:>5}')
    if len(log.get('time', ())) > 1:
        times = [v for _, v in log['time'][1:]]  # the first is a warm-up
        rows.append(f'mean time per step: {sum(times) / len(times):.4f} s '
                    f'({len(times)} steps, the first left out)')
    return '\n'.join(rows)


def check_keys(logs: Dict[str, Dict[str, Series]], keys: Sequence[str]):
    """Raise ``KeyError`` for a key missing from a log, listing its keys."""
    for name, log in logs.items():
        missing = [k for k in keys if k not in log]
        if missing:
            raise KeyError(f'{name}: no {", ".join(missing)} in this log; its '
                           f'keys: {", ".join(sorted(log))}')


def plot_curves(logs: Dict[str, Dict[str, Series]], keys: Sequence[str],
                out: str, title: Optional[str] = None,
                protect: Sequence[str] = ()) -> None:
    """Draw one panel per key, one curve per log, and save the figure.

    Args:
        logs (dict): Legend label -> output of :func:`load_scalar_log`.
        keys (Sequence[str]): The keys to plot.
        out (str): The image file (any suffix matplotlib writes), written
            atomically.
        title (str, optional): Figure title. Defaults to None.
        protect (Sequence[str]): Files ``out`` must not be (the logs).
            Defaults to ().
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    check_keys(logs, keys)
    fig, axes = plt.subplots(len(keys), 1, figsize=(7, 3 * len(keys)),
                             squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        for label, log in logs.items():
            steps, values = zip(*log[key])
            marker = 'o' if len(steps) <= 50 else None
            ax.plot(steps, values, label=label, marker=marker, linewidth=1)
        ax.set_ylabel(key)
        ax.set_xlabel('step')
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_output(out, protect=list(protect)) as tmp:
        fig.savefig(tmp)
    plt.close(fig)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Analyze scalar logs')
    sub = parser.add_subparsers(dest='command', required=True)
    plot = sub.add_parser('plot', help='plot curves of some keys')
    plot.add_argument('logs', nargs='+', help='scalars.json files')
    plot.add_argument('--keys', nargs='+', default=['loss'],
                      help='keys to plot (default: loss)')
    plot.add_argument('--legend', nargs='+', help='one label per log '
                      '(default: the file paths)')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--out', required=True, help='image file to write')
    summary = sub.add_parser('summary', help='print a table per log')
    summary.add_argument('logs', nargs='+', help='scalars.json files')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.command == 'summary':
        for path in args.logs:
            print(f'{path}\n{summarise(load_scalar_log(path))}\n')
        return
    labels = args.legend or args.logs
    if len(labels) != len(args.logs):
        raise ValueError(f'--legend: {len(labels)} labels for '
                         f'{len(args.logs)} logs')
    logs = {label: load_scalar_log(path)
            for label, path in zip(labels, args.logs)}
    plot_curves(logs, args.keys, args.out, args.title, protect=args.logs)
    print(f'saved {args.out}')


if __name__ == '__main__':
    main()
