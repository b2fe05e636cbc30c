"""Draw input | restored | ground-truth panels during validation and testing."""
import os.path as osp
from typing import Optional, Sequence

from mmengine.hooks import Hook

from mofme_mm.registry import HOOKS
from mofme_mm.utils.atomic_write import atomic_write_image
from mofme_mm.visualization import (
    RestorationVisualizer,
    to_bgr_uint8,
    to_rgb_uint8,
)
from mofme_mm.visualization.restoration_visualizer import sample_files


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


@HOOKS.register_module()
class RestorationVisualizationHook(Hook):
    """Draw ``input | restored | ground truth`` panels in validation and test.

    With ``draw=True`` the panel of every sample of every ``interval``-th
    batch is drawn by the runner's :class:`RestorationVisualizer`
    (``visualizer = dict(type='RestorationVisualizer', ...)`` in the
    config), as mmseg's ``SegVisualizationHook`` does with its visualiser:

    - without ``out_dir`` the panels go to the visualiser's vis backends
      (``vis_backends``: Local, TensorBoard, W&B...), named
      ``{mode}_{weather}_{image stem}`` at the current training iteration;
    - with ``out_dir`` (``tools/test.py --show-dir DIR``) they are written
      to ``out_dir/<weather>/<image stem>.png`` instead.

    ``show=True`` also displays each panel. ``pred_dir``
    (``tools/test.py --out DIR``) saves the restored images of every test
    batch, at full resolution, to ``pred_dir/<weather>/<image stem>.png``.
    Files are written atomically (temporary file, then rename); a path that
    is the sample's own input or ground-truth file is refused with
    :class:`~mofme_mm.utils.output_guard.InputOverwriteError`.

    Args:
        draw (bool): Draw panels. Defaults to False.
        interval (int): Draw the panels of every ``interval``-th batch
            (batch 0 included). Defaults to 1.
        show (bool): Display the panels in a window. Defaults to False.
        wait_time (float): Seconds each shown panel stays (0: until a key is
            pressed). Defaults to 0.
        out_dir (str, optional): Write the panels there instead of sending
            them to the backends. Defaults to None.
        pred_dir (str, optional): Folder for the restored images of every
            test batch. Defaults to None (not saved).
    """

    priority = 'NORMAL'

    def __init__(self,
                 draw: bool = False,
                 interval: int = 1,
                 show: bool = False,
                 wait_time: float = 0.,
                 out_dir: Optional[str] = None,
                 pred_dir: Optional[str] = None) -> None:
        if interval < 1:
            raise ValueError('RestorationVisualizationHook: interval must be '
                             f'>= 1, got {interval}.')
        self.draw = draw or show
        self.interval = interval
        self.show = show
        self.wait_time = wait_time
        self.out_dir = out_dir
        self.pred_dir = pred_dir
        self._count = 0

    @staticmethod
    def _visualizer(runner) -> RestorationVisualizer:
        visualizer = runner.visualizer
        if not isinstance(visualizer, RestorationVisualizer):
            raise TypeError(
                'RestorationVisualizationHook draws with a '
                f'RestorationVisualizer, but the runner has a '
                f'{type(visualizer).__name__}: set visualizer = dict('
                "type='RestorationVisualizer', vis_backends=[dict(type="
                "'LocalVisBackend')]) in the config.")
        return visualizer

    def _after_iter(self, runner, batch_idx: int, data_batch=None,
                    outputs: Optional[Sequence] = None,
                    mode: str = 'train') -> None:
        """Draw the panels of a validation or test batch (and save the
        restored images of a test batch); nothing in training."""
        if mode == 'train':
            return
        draw = self.draw and batch_idx % self.interval == 0
        visualizer = self._visualizer(runner) if draw else None
        # the training iteration (RuntimeInfoHook), 0 in a test-only run
        step = runner.message_hub.get_info('iter', 0) if draw else 0
        for sample in outputs or []:
            metainfo = sample.metainfo
            if draw:
                if 'input_img' not in sample:
                    raise KeyError(
                        'RestorationVisualizationHook: the model output of '
                        f"{metainfo.get('img_path', 'a sample')} has no "
                        'input_img; it needs a restorer in predict mode '
                        '(DeweatherRestorer).')
                path = panel_path(self.out_dir, metainfo, self._count) \
                    if self.out_dir else None
                stem = osp.splitext(osp.basename(
                    metainfo.get('img_path') or f'{self._count:06d}'))[0]
                visualizer.add_datasample(
                    f"{mode}_{metainfo.get('weather', 'unknown')}_{stem}",
                    to_rgb_uint8(sample.input_img.data), sample,
                    show=self.show, wait_time=self.wait_time, out_file=path,
                    step=step)
            if mode == 'test' and self.pred_dir and 'pred_img' in sample:
                atomic_write_image(
                    panel_path(self.pred_dir, metainfo, self._count),
                    to_bgr_uint8(sample.pred_img.data),
                    protect=sample_files(metainfo))
            self._count += 1
