"""Base class of the paired (weathered input, clean ground truth) datasets."""
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mofme_mm.registry import DATASETS

from .pair_checks import TOY_HINT, check_dirs, check_not_empty, check_pairs


@DATASETS.register_module()
class BasePairedDataset(BaseDataset):
    """Paired restoration dataset: parsing in subclasses, checks here.

    Subclasses implement :meth:`parse_samples` returning one dict per input
    with at least ``img_path`` and ``gt_path``. This class then sets
    ``weather`` on every sample (when given), and raises a clear error for a
    missing root / folder, inputs without their ground truth or label
    (counted, first few listed) and an empty split. Folders, lists and files
    are read through ``mmengine.fileio`` with ``backend_args``, as mmseg's
    datasets do (give the same ``backend_args`` to the loading transforms).

    Args:
        weather (str | None): weather type of every sample (``'rain'``,
            ``'fog'``, ``'snow'``, ``'raindrop'``); None keeps what
            :meth:`parse_samples` sets.
        check_files (bool): check that every ``pair_keys`` file exists
            (one look-up per distinct file; switch it off on slow remote
            storage). Defaults to True.
        backend_args (dict | None): mmengine file backend arguments, e.g.
            ``dict(backend='petrel')``. Defaults to None (the backend of the
            path's prefix: local files, ``s3://``, ``http://``...).
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``data_root``, ``data_prefix``, ``ann_file``, ``pipeline``,
            ``test_mode``, ``indices``, ``serialize_data``...).
    """

    METAINFO: dict = dict(task='deweathering')
    #: Shown when the data cannot be found.
    data_hint: str = TOY_HINT

    def __init__(self, weather: Optional[str] = None,
                 check_files: bool = True,
                 backend_args: Optional[dict] = None, **kwargs) -> None:
        self.weather = weather
        self.check_files = check_files
        self.backend_args = dict(backend_args) if backend_args else None
        super().__init__(**kwargs)

    @property
    def pair_keys(self) -> Sequence[str]:
        """Path keys that must exist for every input."""
        return ('gt_path', )

    def required_dirs(self) -> dict:
        """Folders that must exist (name -> path); default: the prefixes."""
        return {f'data_prefix.{k}': v for k, v in self.data_prefix.items()
                if v}

    def describe_filters(self) -> str:
        """Text of the active filters for the empty-split message."""
        return ''

    def parse_samples(self) -> List[dict]:
        """Parse the layout into sample dicts; implemented by subclasses."""
        raise NotImplementedError

    def load_data_list(self) -> List[dict]:
        """Parse, tag the weather and check the samples."""
        name = type(self).__name__
        check_dirs(name, self.data_root, self.required_dirs(), self.data_hint,
                   self.backend_args)
        data_list = self.parse_samples()
        check_not_empty(name, self.data_root, data_list,
                        self.ann_file or self.data_prefix.get('img_path'),
                        self.describe_filters())
        for info in data_list:
            if self.weather is not None:
                info['weather'] = self.weather
            info.setdefault('weather', 'unknown')
        if self.check_files:
            check_pairs(name, self.data_root, data_list, self.pair_keys,
                        backend_args=self.backend_args)
        return data_list
