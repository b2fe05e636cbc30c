"""All-Weather (TransWeather) list-file datasets."""
import os.path as osp
import re
from typing import List, Optional, Sequence, Tuple

from mofme_mm.registry import DATASETS

from .base_paired_dataset import BasePairedDataset
from .cityscapes_naming import read_text_lines

# Weather of a whole list, from the list file name (lower case prefix).
LIST_WEATHER: Tuple[Tuple[str, str], ...] = (
    ('snowtest100k', 'snow'), ('snow100k', 'snow'), ('raindroptest', 'raindrop'),
    ('raindrop', 'raindrop'), ('test1', 'rain'), ('outdoor', 'rain'))
# Weather of one line of a mixed list (allweather.txt), first match wins. The
# list mixes three sources: RainDrop (``0_rain.png``), Outdoor-Rain
# (``im_0001_s80_a04.png``) and Snow100K, whose names carry no weather
# (``beautiful_smile_00001.jpg``): what matches no rule is snow by default.
PATH_WEATHER: Tuple[Tuple[str, str], ...] = (
    (r'(^|/)[0-9]+_rain\.[a-z]+$', 'raindrop'),  # RainDrop naming
    (r'(^|/)im_[0-9]+_s[0-9]+_a[0-9]+', 'rain'),  # Outdoor-Rain naming
    (r'(^|/)raindrop', 'raindrop'),  # a raindrop/ folder
    (r'(^|/)snow', 'snow'),  # a snow/ folder or snow_ prefix
)


def gt_path_of(path: str, input_dir: str = 'input', gt_dir: str = 'gt') -> str:
    """Ground truth of an All-Weather input: the last ``input`` folder of the
    path replaced by ``gt``.

    Args:
        path (str): input path, e.g. ``./allweather/input/0_rain.jpg``.
        input_dir (str): folder name of the inputs. Defaults to ``'input'``.
        gt_dir (str): folder name of the ground truths. Defaults to ``'gt'``.

    Returns:
        str: e.g. ``./allweather/gt/0_rain.jpg``.
    """
    parts = path.replace('\\', '/').split('/')
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] == input_dir:
            parts[i] = gt_dir
            return '/'.join(parts)
    raise ValueError(f'{path!r} has no {input_dir!r} folder, so its ground '
                     f'truth (same path under {gt_dir!r}) is unknown.')


def join_normalized(base: str, path: str) -> str:
    """``base`` joined with ``path``, ``.`` and ``..`` resolved.

    Like ``osp.normpath(osp.join(base, path))``, but a URI keeps its
    ``scheme://`` (``s3://bucket/./a`` -> ``s3://bucket/a``).

    Args:
        base (str): folder (a path or URI); may be empty.
        path (str): path relative to ``base``, e.g. ``./allweather/input/0.png``.

    Returns:
        str: the joined, normalised path.
    """
    joined = osp.join(base, path) if base else path
    scheme, sep, rest = joined.partition('://')
    if not sep:
        return osp.normpath(joined)
    return f'{scheme}://{osp.normpath(rest)}'


def infer_weather(list_name: str, path: str,
                  list_rules: Sequence[Tuple[str, str]] = LIST_WEATHER,
                  path_rules: Sequence[Tuple[str, str]] = PATH_WEATHER,
                  default: str = 'snow') -> str:
    """Weather of one All-Weather sample.

    Rule: a list whose file name starts with a ``list_rules`` prefix (the
    single-weather test lists ``snowtest100k_L.txt``, ``raindroptesta.txt``,
    ``test1.txt``) gives its weather to every line; otherwise (the mixed
    ``allweather.txt``) the first ``path_rules`` regex found in the lower-case
    path decides; otherwise ``default``.

    Args:
        list_name (str): base name of the list file.
        path (str): the line (input path).
        list_rules (Sequence[tuple]): ``(prefix, weather)`` pairs.
        path_rules (Sequence[tuple]): ``(regex, weather)`` pairs.
        default (str): weather when nothing matches. Defaults to 'snow'
            (the Snow100K part of allweather.txt).

    Returns:
        str: the weather name.
    """
    name = list_name.lower()
    for prefix, weather in list_rules:
        if name.startswith(prefix):
            return weather
    lowered = path.lower().replace('\\', '/')
    for pattern, weather in path_rules:
        if re.search(pattern, lowered):
            return weather
    return default


@DATASETS.register_module()
class AllWeatherDataset(BasePairedDataset):
    """All-Weather train/test lists: one input path per line.

    ``ann_file`` (relative to ``data_root``) lists inputs such as
    ``./allweather/input/0_rain.jpg``, relative to ``data_prefix['img_path']``
    (default: ``data_root``); the ground truth is the same path with the
    ``input`` folder replaced by ``gt``. Each sample: ``img_path``,
    ``gt_path``, ``weather`` (see :func:`infer_weather` for the rule, or set
    ``weather``).

    Args:
        ann_file (str): list file, e.g. ``'allweather.txt'``,
            ``'snowtest100k_L.txt'``, ``'raindroptesta.txt'``, ``'test1.txt'``.
        weather (str | None): weather of every sample; None infers it.
        default_weather (str): weather of lines no rule matches. Defaults to
            ``'snow'``: in allweather.txt these are the Snow100K images.
        input_dir (str): folder name of the inputs. Defaults to ``'input'``.
        gt_dir (str): folder name of the ground truths. Defaults to ``'gt'``.
        **kwargs: :class:`BasePairedDataset` arguments.
    """

    def __init__(self, ann_file: str = 'allweather.txt',
                 weather: Optional[str] = None,
                 default_weather: str = 'snow', input_dir: str = 'input',
                 gt_dir: str = 'gt', **kwargs) -> None:
        self.default_weather = default_weather
        self.input_dir = input_dir
        self.gt_dir = gt_dir
        super().__init__(ann_file=ann_file, weather=weather, **kwargs)

    def required_dirs(self) -> dict:
        return {}

    def parse_samples(self) -> List[dict]:
        lines = read_text_lines(
            self.ann_file, 'AllWeatherDataset: list file',
            f'(data_root {self.data_root!r}) Set data_root to the All-Weather '
            'folder and ann_file to one of allweather.txt, '
            'snowtest100k_L.txt, raindroptesta.txt, test1.txt.',
            self.backend_args)
        base = self.data_prefix.get('img_path') or self.data_root
        list_name = osp.basename(self.ann_file)
        samples = []
        for lineno, line in enumerate(lines, 1):
            line = line.strip()
            if not line:
                continue
            try:
                gt = gt_path_of(line, self.input_dir, self.gt_dir)
            except ValueError as err:
                raise ValueError(
                    f'{self.ann_file}, line {lineno}: {err}') from err
            samples.append(dict(
                img_path=join_normalized(base, line),
                gt_path=join_normalized(base, gt),
                weather=infer_weather(list_name, line,
                                      default=self.default_weather)))
        return samples
