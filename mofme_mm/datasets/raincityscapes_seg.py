"""RainCityscapes as an mmseg segmentation dataset (rainy image + gtFine)."""
from typing import List, Optional, Sequence

from mmseg.datasets import CityscapesDataset

from mofme_mm.registry import DATASETS

from .cityscapes_naming import scan_rain_images
from .pair_checks import SYNTH_HINT, TOY_HINT
from .raincityscapes import rain_prefix
from .weather_seg_views import build_seg_samples, check_seg_dirs


@DATASETS.register_module()
class RainCityscapesSegDataset(CityscapesDataset):
    """Rainy Cityscapes frames with their 19-class gtFine labels, for mmseg.

    Same layout and filters as :class:`RainCityscapesDataset`. Every sample
    keeps ``weather`` (and ``alpha``, ``beta``, ``dropsize``, ``pattern``,
    ``frame_id``, ``gt_path`` of the clean frame); add ``'weather'`` to
    ``PackSegInputs(meta_keys=...)`` to carry it into the data samples.

    Args:
        split (str): ``'train'`` or ``'val'``. Defaults to ``'train'``.
        params (Sequence[tuple] | None): ``(alpha, beta, dropsize)`` triples
            to keep; None keeps all.
        patterns (Sequence[int] | None): patterns to keep; None keeps all.
        weather (str): weather of every sample. Defaults to ``'rain'``.
        data_prefix (dict | None): ``img_path``, ``seg_map_path`` (and
            ``gt_path``) relative to ``data_root``; None uses ``split``'s.
        **kwargs: :class:`mmseg.datasets.CityscapesDataset` arguments.
    """

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 params: Optional[Sequence[Sequence[float]]] = None,
                 patterns: Optional[Sequence[int]] = None,
                 weather: str = 'rain', data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        self.split = split
        self.params = [tuple(p) for p in params] if params is not None \
            else None
        self.patterns = list(patterns) if patterns is not None else None
        self.weather = weather
        super().__init__(data_prefix=data_prefix or rain_prefix(split),
                         **kwargs)

    def load_data_list(self) -> List[dict]:
        check_seg_dirs(self)
        found = scan_rain_images(self.data_prefix['img_path'], self.params,
                                 self.patterns, self.backend_args)
        return build_seg_samples(
            self, found,
            f' with params={self.params}, patterns={self.patterns}')
