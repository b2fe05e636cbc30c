"""Several weather datasets as one, every sample keeping its weather."""
from typing import List, Sequence, Union

from mmengine.dataset import BaseDataset, ConcatDataset

from mofme_mm.registry import DATASETS


@DATASETS.register_module()
class MultiWeatherDataset(ConcatDataset):
    """Concatenation of weather datasets (e.g. RainCityscapes + Foggy).

    Unlike mmengine's ``ConcatDataset`` it builds its parts from the
    mofme_mm registry, accepts parts with different metainfo, and checks
    that every sample carries a ``weather`` so metrics can be split by it.

    Args:
        datasets (Sequence[dict | BaseDataset]): the parts (configs or
            datasets); set each part's ``weather`` to relabel it.
        lazy_init (bool): defer loading the annotations. Defaults to False.
    """

    def __init__(self, datasets: Sequence[Union[dict, BaseDataset]],
                 lazy_init: bool = False) -> None:
        if not datasets:
            raise ValueError('MultiWeatherDataset needs at least one dataset.')
        built = [DATASETS.build(d) if isinstance(d, dict) else d
                 for d in datasets]
        keys = set()
        for d in built:
            keys.update(d.metainfo.keys())
        super().__init__(built, lazy_init=lazy_init, ignore_keys=list(keys))

    def full_init(self) -> None:
        """Load every part and check that each sample has a weather."""
        if self._fully_initialized:
            return
        super().full_init()
        for d in self.datasets:
            if len(d) and 'weather' not in d.get_data_info(0):
                raise ValueError(
                    f'MultiWeatherDataset: {type(d).__name__} samples have '
                    'no "weather"; set weather=... in its config.')

    @property
    def weathers(self) -> List[str]:
        """Sorted weather names over all parts."""
        found = set()
        for d in self.datasets:
            for i in range(len(d)):
                found.add(d.get_data_info(i).get('weather', 'unknown'))
        return sorted(found)
