"""Write input | restored | ground-truth panels during testing."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook

from mofme_mm.registry import HOOKS
from mofme_mm.utils.atomic_write import atomic_write_image
from mofme_mm.visualization import comparison_panel, to_bgr_uint8


def panel_path(out_dir: str, metainfo: dict, index: int) -> str:
    """Output path of one sample's panel: ``out_dir/<weather>/<stem>.png``.

    Args:
        out_dir (str): Root folder.
        metainfo (dict): Sample metainfo (``img_path``, ``weather``).
        index (int): Fallback name when the sample has no ``img_path``.

    Returns:
        str: The PNG path.
    """
    img_path = metainfo.get('img_path')
    stem = (osp.splitext(osp.basename(img_path))[0]
            if img_path else f'{index:06d}')
    return osp.join(out_dir, str(metainfo.get('weather', 'unknown')),
                    f'{stem}.png')


def _write(path: str, image: np.ndarray, metainfo: dict) -> None:
    """Write atomically; never onto the sample's input or ground-truth file."""
    sources = [metainfo[key] for key in ('img_path', 'gt_path')
               if isinstance(metainfo.get(key), str)]
    atomic_write_image(path, image, protect=sources)


@HOOKS.register_module()
class RestorationVisualizationHook(Hook):
    """Save side-by-side ``input | restored | ground truth`` PNGs in testing.

    ``tools/test.py --show-dir DIR`` turns it on (``draw=True``,
    ``out_dir=DIR``). Panels go to ``out_dir/<weather>/<image stem>.png``;
    the ground-truth column is left out when a sample has none.
    ``tools/test.py --out DIR`` sets ``pred_dir=DIR``: the restored images
    alone, at full resolution, go to ``pred_dir/<weather>/<image stem>.png``.
    Every file is written atomically (temporary file, then rename); a path
    that is the sample's own input or ground-truth file is refused with
    :class:`~mofme_mm.utils.output_guard.InputOverwriteError`.

    Args:
        draw (bool): Write panels. Defaults to False.
        out_dir (str, optional): Panel folder; a relative path is taken
            relative to the current directory. Required when ``draw``.
        interval (int): Write the panels of every ``interval``-th test
            batch. Defaults to 1.
        pred_dir (str, optional): Folder for the restored images of every
            test batch. Defaults to None (not saved).
    """

    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 out_dir: Optional[str] = None,
                 interval: int = 1,
                 pred_dir: Optional[str] = None) -> None:
        if draw and not out_dir:
            raise ValueError('RestorationVisualizationHook: out_dir must be '
                             'set when draw=True (tools/test.py --show-dir).')
        if interval < 1:
            raise ValueError('RestorationVisualizationHook: interval must be '
                             f'>= 1, got {interval}.')
        self.draw = draw
        self.out_dir = out_dir
        self.interval = interval
        self.pred_dir = pred_dir
        self._count = 0

    def after_test_iter(self, runner, batch_idx: int, data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        """Write the panels (and restored images) of one test batch."""
        draw = self.draw and batch_idx % self.interval == 0
        for sample in outputs or []:
            images = [sample.get(key) for key in
                      ('input_img', 'pred_img', 'gt_img')]
            images = [None if image is None else image.data
                      for image in images]
            if draw:
                _write(panel_path(self.out_dir, sample.metainfo, self._count),
                       comparison_panel(images), sample.metainfo)
            if self.pred_dir and images[1] is not None:
                _write(panel_path(self.pred_dir, sample.metainfo, self._count),
                       to_bgr_uint8(images[1]), sample.metainfo)
            self._count += 1
