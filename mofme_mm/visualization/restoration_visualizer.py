"""mmengine visualiser of restoration samples: input | restored | ground truth."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.visualization import Visualizer

from mofme_mm.registry import VISUALIZERS
from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils.atomic_write import atomic_write_image

from .comparison import add_title, comparison_panel, panel_title, to_rgb_uint8


def sample_files(metainfo: dict) -> List[str]:
    """A sample's own input and ground-truth files, which no output may be.

    Args:
        metainfo (dict): Sample metainfo (``img_path``, ``gt_path``).

    Returns:
        list[str]: The paths present.
    """
    return [metainfo[key] for key in ('img_path', 'gt_path')
            if isinstance(metainfo.get(key), str)]


@VISUALIZERS.register_module()
class RestorationVisualizer(Visualizer):
    """Draw ``input | restored | ground truth`` panels, weather in the title.

    Like mmseg's ``SegLocalVisualizer``, :meth:`add_datasample` draws one
    sample and sends the panel to every vis backend of the visualiser
    (``LocalVisBackend``, ``TensorboardVisBackend``, ``WandbVisBackend``...)
    with ``add_image``, or writes it to ``out_file`` instead. The panel is
    the input, the restored image (``data_sample.pred_img``) and the ground
    truth (``data_sample.gt_img``) side by side, with a white title bar such
    as ``rain: input | restored | ground truth`` above them; the images'
    pixels are kept exactly.

    Args:
        name (str): Instance name. Defaults to ``'visualizer'``.
        image (np.ndarray, optional): Image to draw on (RGB). Defaults to
            None.
        vis_backends (list[dict], optional): Vis backend configs, e.g.
            ``[dict(type='LocalVisBackend'),
            dict(type='TensorboardVisBackend')]``. Defaults to None.
        save_dir (str, optional): Folder of the backends' files (the runner
            sets its log folder). Defaults to None.
        gap (int): Width of the white separators between the images.
            Defaults to 4.
        **kwargs: Other :class:`mmengine.visualization.Visualizer`
            arguments.

    Examples:
        >>> visualizer = RestorationVisualizer(
        ...     vis_backends=[dict(type='LocalVisBackend')], save_dir='vis')
        >>> visualizer.add_datasample('rain_0001', rainy_rgb, data_sample)
        >>> # -> vis/vis_data/vis_image/rain_0001_0.png
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[Sequence[dict]] = None,
                 save_dir: Optional[str] = None,
                 gap: int = 4,
                 **kwargs) -> None:
        super().__init__(name, image, vis_backends, save_dir, **kwargs)
        self.gap = gap

    def draw_panel(self,
                   image: np.ndarray,
                   data_sample: Optional[RestorationDataSample] = None,
                   draw_gt: bool = True,
                   draw_pred: bool = True) -> np.ndarray:
        """The titled panel of one sample (RGB uint8), without sending it.

        Args:
            image (np.ndarray): The weathered input, ``(H, W, 3)`` uint8 RGB.
            data_sample (RestorationDataSample, optional): With ``pred_img``
                and / or ``gt_img`` (``(3, H, W)`` RGB in [0, 1]) and the
                ``weather`` metainfo. Defaults to None (the input alone).
            draw_gt (bool): Add the ground truth when the sample has one.
                Defaults to True.
            draw_pred (bool): Add the restored image when the sample has
                one. Defaults to True.

        Returns:
            np.ndarray: ``(h + title, W_total, 3)`` uint8 RGB panel.
        """
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            raise ValueError('RestorationVisualizer: image must be the '
                             '(H, W, 3) uint8 RGB input, got '
                             f'{image.dtype} {image.shape}.')
        columns: List[Tuple[str, np.ndarray]] = [('input', image)]
        wanted = (('restored', 'pred_img', draw_pred),
                  ('ground truth', 'gt_img', draw_gt))
        for label, key, draw in wanted:
            if draw and data_sample is not None and key in data_sample:
                columns.append((label, to_rgb_uint8(data_sample.get(key).data)))
        weather = (data_sample.metainfo.get('weather')
                   if data_sample is not None else None)
        panel = comparison_panel([array for _, array in columns], self.gap)
        return add_title(panel, panel_title([c for c, _ in columns], weather))

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[RestorationDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0) -> None:
        """Draw one sample's panel and show, write or send it.

        The panel becomes the visualiser's image (``get_image()``). With
        ``out_file`` it is written there (atomically; never over the
        sample's own ``img_path`` / ``gt_path``), otherwise every vis
        backend receives it through ``add_image(name, panel, step)``
        (mmengine does that on the main process only; ``out_file`` is
        written by each process for its own samples).

        Args:
            name (str): Image identifier (backend tag / file name).
            image (np.ndarray): The weathered input, ``(H, W, 3)`` uint8 RGB.
            data_sample (RestorationDataSample, optional): See
                :meth:`draw_panel`. Defaults to None.
            draw_gt (bool): Add the ground truth. Defaults to True.
            draw_pred (bool): Add the restored image. Defaults to True.
            show (bool): Also display the panel in a window. Defaults to
                False.
            wait_time (float): Seconds to show it (0: until a key is
                pressed). Defaults to 0.
            out_file (str, optional): Write the panel to this file instead
                of the backends (its extension picks the format). Defaults
                to None.
            step (int): Global step given to the backends. Defaults to 0.
        """
        panel = self.draw_panel(image, data_sample, draw_gt, draw_pred)
        self.set_image(panel)
        if show:
            self.show(panel, win_name=name, wait_time=wait_time)
        if out_file is not None:
            metainfo = data_sample.metainfo if data_sample is not None else {}
            atomic_write_image(out_file,
                               np.ascontiguousarray(panel[..., ::-1]),
                               protect=sample_files(metainfo))
        else:
            self.add_image(name, panel, step)
