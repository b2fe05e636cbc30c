"""RainCityscapes (Hu et al., CVPR 2019) as a paired restoration dataset."""
from typing import List, Optional, Sequence

from mofme_mm.registry import DATASETS

from .cityscapes_naming import (
    CLEAN_DIR,
    LABEL_DIR,
    RAIN_DIR,
    scan_rain_images,
)
from .pair_checks import SYNTH_HINT, TOY_HINT
from .weathered_cityscapes import WeatheredCityscapesDataset


def rain_prefix(split: str) -> dict:
    """Default folders of a RainCityscapes split."""
    return dict(img_path=f'{RAIN_DIR}/{split}',
                gt_path=f'{CLEAN_DIR}/{split}',
                seg_map_path=f'{LABEL_DIR}/{split}')


@DATASETS.register_module()
class RainCityscapesDataset(WeatheredCityscapesDataset):
    """Rainy Cityscapes frames with their clean frame and gtFine label.

    Layout (``data_root``)::

        leftImg8bit_rain/{split}/{city}/{frame}_leftImg8bit_rain_alpha_{a}_beta_{b}_dropsize_{s}_pattern_{p}.png
        leftImg8bit/{split}/{city}/{frame}_leftImg8bit.png        (gt)
        gtFine/{split}/{city}/{frame}_gtFine_labelTrainIds.png    (label)

    Each sample: ``img_path``, ``gt_path``, ``seg_map_path`` (when
    ``with_seg_map``), ``weather``, ``frame_id``, ``city``, ``alpha``,
    ``beta``, ``dropsize``, ``pattern``, plus mmseg's ``reduce_zero_label``,
    ``seg_fields`` and ``label_map`` so mmseg's ``LoadAnnotations`` works.

    Args:
        split (str): ``'train'`` or ``'val'`` (the RainCityscapes test set).
            Defaults to ``'train'``.
        params (Sequence[tuple] | None): ``(alpha, beta, dropsize)`` triples
            to keep, e.g. ``[(0.01, 0.005, 0.01)]``; None keeps all.
        patterns (Sequence[int] | None): streak patterns to keep (1..12);
            None keeps all.
        with_seg_map (bool): add (and check) the gtFine label. Defaults to
            True.
        weather (str): weather of every sample. Defaults to ``'rain'``.
        data_prefix (dict | None): folders relative to ``data_root`` with
            keys ``img_path``, ``gt_path``, ``seg_map_path``; None uses the
            standard folders of ``split``.
        **kwargs: :class:`BasePairedDataset` arguments (``data_root``,
            ``pipeline``, ``test_mode``...).
    """  # noqa: E501

    data_hint = TOY_HINT + SYNTH_HINT

    def __init__(self, split: str = 'train',
                 params: Optional[Sequence[Sequence[float]]] = None,
                 patterns: Optional[Sequence[int]] = None,
                 with_seg_map: bool = True, weather: str = 'rain',
                 data_prefix: Optional[dict] = None, **kwargs) -> None:
        self.params = [tuple(p) for p in params] if params is not None \
            else None
        self.patterns = list(patterns) if patterns is not None else None
        super().__init__(split, rain_prefix(split), with_seg_map, weather,
                         data_prefix=data_prefix, **kwargs)

    def describe_filters(self) -> str:
        return f' with params={self.params}, patterns={self.patterns}'

    def parse_samples(self) -> List[dict]:
        return [
            self.add_pairs(info) for info in scan_rain_images(
                self.data_prefix['img_path'], self.params, self.patterns,
                self.backend_args)
        ]
