"""``MoFMEInferencer``: deweather images, folders, arrays and videos.

Built on mmengine's ``BaseInferencer`` (the interface of mmseg's
``MMSegInferencer``)::

    from mofme_mm.apis import MoFMEInferencer

    inferencer = MoFMEInferencer('configs/mofme_raincityscapes.py',
                                 weights='mofme.pth', device='cpu')
    result = inferencer(['rainy.png', 'frames/', 'drive.avi'],
                        out_dir='restored/')
    result['predictions'][0]['restored']   # the restored array

Differences from the base class, because a restorer's outputs are images of
the inputs' own size and format: frames are restored with the model's
``restore`` (whole or tiled per ``test_cfg``), not ``test_step``; each input
is read, restored, written and reported before the next (a video is streamed
frame by frame), so ``__call__`` runs the four steps per input.

Writes are safe: outputs are named as :mod:`mofme_mm.apis.input_plan`
describes, every name is checked before the first input is restored (no
output may replace an input, no two inputs may share an output), the output
folder is checked once up front, and every file is written atomically
(a temporary file renamed at the end; a video only once all its frames are
read). A truncated image or video fails instead of giving a partial result.
"""
import os.path as osp
import secrets
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional

import cv2
import numpy as np
import torch
from mmengine.infer import BaseInferencer
from mmengine.structures import PixelData
from rich.progress import track
from torch import nn

from mofme_mm.structures import RestorationDataSample
from mofme_mm.utils.atomic_write import atomic_write_image
from mofme_mm.utils.image_reading import read_image
from mofme_mm.utils.output_guard import InputGuard, check_writable_dir
from mofme_mm.utils.video_reading import probe_video, read_video_frames
from mofme_mm.utils.video_writing import AtomicVideoWriter
from mofme_mm.visualization import RestorationVisualizer, to_rgb_uint8

from .inference import (
    from_tensor,
    init_restorer,
    load_restorer_config,
    model_device,
    override_test_cfg,
    restore_with_uncertainty,
    tiling_cfg,
    to_tensor,
)
from .input_plan import InputItem, collect_inputs, plan_outputs

# Encoder settings per output extension: JPEG at quality 95, lossless WebP.
WRITE_PARAMS = {
    '.jpg': (cv2.IMWRITE_JPEG_QUALITY, 95),
    '.jpeg': (cv2.IMWRITE_JPEG_QUALITY, 95),
    '.webp': (cv2.IMWRITE_WEBP_QUALITY, 101),
}
ERROR_MODES = ('raise', 'report')
UNCERTAINTY_SUFFIX = '_uncertainty.png'


def uncertainty_path(output: str) -> str:
    """Where the uncertainty map of ``output`` goes: ``a/b.jpg`` ->
    ``a/b_uncertainty.png``."""
    return osp.splitext(output)[0] + UNCERTAINTY_SUFFIX


def check_uncertainty_plan(items: List[InputItem],
                           outputs: List[Optional[str]]) -> None:
    """Refuse a ``save_uncertainty`` run that cannot write its maps.

    Args:
        items (list[InputItem]): The inputs.
        outputs (list[str | None]): Their planned outputs.

    Raises:
        ValueError: A video input, no output folder, or a map name equal to
            an output or an input (names the file and what to do).
    """
    videos = [item.label for item in items if item.kind == 'video']
    if videos:
        raise ValueError(f'save_uncertainty maps images only, but '
                         f'{videos[0]} is a video: restore videos without it')
    if any(out is None for out in outputs):
        raise ValueError('save_uncertainty needs out_dir (the maps are '
                         'written next to the restored files)')
    taken = {osp.abspath(out) for out in outputs}
    taken |= {osp.abspath(item.source) for item in items
              if isinstance(item.source, str)}
    for out in outputs:
        if osp.abspath(uncertainty_path(out)) in taken:
            raise ValueError(
                f'the uncertainty map {uncertainty_path(out)} of {out} would '
                'replace an input or another output: rename the input ending '
                f'in {UNCERTAINTY_SUFFIX!r} or restore it without uncertainty')
# Errors that concern one input (unreadable, truncated, unsupported format,
# unwritable output); anything else stops the run.
INPUT_ERRORS = (OSError, ValueError, TypeError, cv2.error)


class MoFMEInferencer(BaseInferencer):
    """Restore images, image folders, arrays and videos with a restorer.

    Args:
        model (str | Config | dict): Restorer config (see
            :func:`mofme_mm.apis.load_restorer_config`).
        weights (str, optional): Checkpoint. Defaults to None (random
            weights, with a warning).
        device (str, optional): Torch device. Defaults to None (mmengine's
            ``get_device()``: CUDA when available).
        scope (str): Registry scope. Defaults to ``'mofme_mm'``.
        show_progress (bool): Progress bar over the inputs. Defaults to
            True.
        cfg_options (dict, optional): Dotted config overrides. Defaults to
            None.

    Calling it (``inferencer(inputs, batch_size=1, **kwargs)``), kwargs:

    - ``tile_size``, ``tile_overlap``, ``tile_batch_size`` (forward): tile
      settings for this call (any of them switches to tiling).
    - ``return_vis`` (visualize): return the ``input | restored`` panels
      of the image inputs (uint8 BGR, drawn by
      :class:`~mofme_mm.visualization.RestorationVisualizer`, title bar
      included); ``vis_dir``: also write them there, named as the outputs;
      ``show``: display them (``wait_time`` seconds each, 0: until a key).
    - ``out_dir`` (postprocess): write the restored files there.
      ``return_arrays``: keep the restored arrays in the result (default
      True; a video gives a list of frames, so pass False for long videos).
      ``errors``: ``'raise'`` (default) stops at the first bad input;
      ``'report'`` records it in its prediction's ``error`` and goes on.
      ``save_uncertainty``: also write, next to each restored image, its
      routing uncertainty map (:func:`uncertainty_path`: 8-bit grey PNG,
      0-255 for [0, 1], see
      :meth:`DeweatherRestorer.restore_with_uncertainty`); images only,
      needs ``out_dir`` and a model with the uncertainty-aware router.

    Returns of a call: ``dict(predictions=[...], visualization=[...])``, one
    entry per input file or array. A prediction is a dict with ``input``
    (path or ``array N``), ``kind`` (``'image'``, ``'video'``, ``'array'``),
    ``output`` (written path or None), ``frames``, ``restored`` (array, list
    of frames, or None) and ``error`` (None or the reason it failed).
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = {'tile_size', 'tile_overlap', 'tile_batch_size'}
    visualize_kwargs: set = {'return_vis', 'vis_dir', 'show', 'wait_time'}
    postprocess_kwargs: set = {'out_dir', 'return_arrays', 'errors',
                               'save_uncertainty'}

    def __init__(self,
                 model,
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mofme_mm',
                 show_progress: bool = True,
                 cfg_options: Optional[dict] = None) -> None:
        cfg = load_restorer_config(model, cfg_options)
        self._guard: Optional[InputGuard] = None
        super().__init__(model=cfg, weights=weights, device=device,
                         scope=scope, show_progress=show_progress)

    # ------------------------------------------------------------ set-up
    def _init_model(self, cfg, weights: Optional[str],
                    device: str = 'cpu') -> nn.Module:
        """Build through :func:`init_restorer` (strict weights, checks)."""
        return init_restorer(cfg, weights, device)

    def _init_pipeline(self, cfg) -> Callable[[np.ndarray], dict]:
        """One frame (any format) -> ``dict(inputs=RGB tensor, image=frame)``.

        The tensor is RGB ``(3, H, W)`` in ``[0, 1]`` on the CPU; ``image``
        is the original array (its format and alpha give the output's).
        """

        def load(frame: np.ndarray) -> dict:
            return dict(inputs=to_tensor(frame, torch.device('cpu')),
                        image=frame)

        return load

    def _init_collate(self, cfg) -> Callable[[list], list]:
        """Frames are grouped by :meth:`preprocess`; no collation."""
        return list

    def _init_visualizer(self, cfg) -> RestorationVisualizer:
        """A :class:`RestorationVisualizer` of its own (no vis backends: the
        panels are returned, shown or written to ``vis_dir``)."""
        return RestorationVisualizer(
            name=f'mofme_inferencer_{secrets.token_hex(6)}')

    # ------------------------------------------------------------ steps
    def _inputs_to_list(self, inputs) -> List[InputItem]:
        """Expand folders and name outputs (:func:`collect_inputs`).

        Already collected :class:`InputItem` lists pass through unchanged.
        """
        if isinstance(inputs, (str, np.ndarray)):
            inputs = [inputs]
        inputs = list(inputs)
        if inputs and all(isinstance(item, InputItem) for item in inputs):
            return inputs
        return collect_inputs(inputs)

    def preprocess(self, inputs: Iterable[np.ndarray], batch_size: int = 1,
                   **kwargs) -> Iterator[List[dict]]:
        """Group consecutive frames of one size into batches.

        Args:
            inputs (Iterable[np.ndarray]): Frames (any format).
            batch_size (int): Most frames per batch. Defaults to 1.

        Yields:
            list[dict]: Pipeline outputs of frames of equal size.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        batch: List[dict] = []
        for frame in inputs:
            data = self.pipeline(frame)
            if batch and (len(batch) == batch_size or data['inputs'].shape
                          != batch[0]['inputs'].shape):
                yield batch
                batch = []
            batch.append(data)
        if batch:
            yield batch

    @torch.no_grad()
    def forward(self, inputs: List[dict], tile_size: Optional[int] = None,
                tile_overlap: Optional[int] = None,
                tile_batch_size: Optional[int] = None,
                **kwargs) -> List[np.ndarray]:
        """Restore one batch; each frame comes back in its own format."""
        test_cfg = None
        if any(v is not None for v in (tile_size, tile_overlap,
                                       tile_batch_size)):
            test_cfg = tiling_cfg(self.model.test_cfg, tile_size,
                                  tile_overlap, tile_batch_size)
        device = model_device(self.model)
        batch = torch.stack([data['inputs'] for data in inputs]).to(device)
        with override_test_cfg(self.model, test_cfg):
            restored = self.model.restore(batch)
        return [from_tensor(out, data['image'])
                for out, data in zip(restored, inputs)]

    def visualize(self, inputs: list, preds: List[dict],
                  return_vis: bool = False, vis_dir: Optional[str] = None,
                  show: bool = False, wait_time: float = 0,
                  **kwargs) -> List[Optional[np.ndarray]]:
        """``input | restored`` panels of image inputs, by the visualiser.

        Args:
            inputs (list): The (input frame, item) pairs of ``preds``.
            preds (list[dict]): Predictions holding ``restored`` arrays.
            return_vis (bool): Return the panels. Defaults to False.
            vis_dir (str, optional): Also write each panel there, under its
                output name. Defaults to None.
            show (bool): Display each panel. Defaults to False.
            wait_time (float): Seconds each shown panel stays (0: until a
                key is pressed). Defaults to 0.

        Returns:
            list[np.ndarray | None]: One uint8 BGR panel per prediction
            (None for videos, failed inputs, or without ``return_vis``).
        """
        panels: List[Optional[np.ndarray]] = []
        for (frame, item), pred in zip(inputs, preds):
            restored = pred.get('restored')
            if (not (return_vis or vis_dir or show) or frame is None
                    or not isinstance(restored, np.ndarray)):
                panels.append(None)
                continue
            cpu = torch.device('cpu')
            sample = RestorationDataSample(metainfo=dict(
                img_path=item.source) if isinstance(item.source, str) else {})
            sample.pred_img = PixelData(data=to_tensor(restored, cpu))
            if vis_dir and self._guard is not None:  # no panel over an input
                self._guard.check(osp.join(vis_dir, item.name))
            self.visualizer.add_datasample(
                item.name, to_rgb_uint8(to_tensor(frame, cpu)), sample,
                show=show, wait_time=wait_time,
                out_file=osp.join(vis_dir, item.name) if vis_dir else None)
            panels.append(np.ascontiguousarray(
                self.visualizer.get_image()[..., ::-1]) if return_vis else None)
        return panels

    def postprocess(self, preds: List[dict],
                    visualization: List[Optional[np.ndarray]],
                    return_datasample: bool = False,
                    **kwargs) -> Dict[str, list]:
        """Pack predictions and panels: ``dict(predictions, visualization)``."""
        if return_datasample:
            raise ValueError('MoFMEInferencer returns restored arrays; '
                             'return_datasamples=True is not supported')
        return dict(predictions=list(preds), visualization=list(visualization))

    # ------------------------------------------------------------ a call
    def __call__(self, inputs, batch_size: int = 1,
                 return_datasamples: bool = False, **kwargs) -> dict:
        """Restore ``inputs`` (paths, folders, arrays, videos).

        See the class docstring for the keyword arguments and the result.
        """
        pre_kw, forward_kw, vis_kw, post_kw = self._dispatch_kwargs(**kwargs)
        out_dir = post_kw.get('out_dir')
        return_arrays = post_kw.get('return_arrays', True)
        errors = post_kw.get('errors', 'raise')
        save_uncertainty = bool(post_kw.get('save_uncertainty', False))
        if save_uncertainty:
            self.model.check_uncertainty_support()  # before any work
        if errors not in ERROR_MODES:
            raise ValueError(f'errors must be one of {ERROR_MODES}, got '
                             f'{errors!r}')
        if any(v is not None for v in forward_kw.values()):  # fail early
            tiling_cfg(self.model.test_cfg, **forward_kw)
        items = self._inputs_to_list(inputs)
        missing = [item for item in items if item.kind == 'missing']
        if missing and errors == 'raise':  # before any work
            raise FileNotFoundError(f'{missing[0].label}: {missing[0].error}')
        self._guard = InputGuard(item.source for item in items
                                 if isinstance(item.source, str))
        outputs: List[Optional[str]] = [None] * len(items)
        if out_dir is not None:
            outputs = plan_outputs(items, out_dir, self._guard)
        if save_uncertainty:
            check_uncertainty_plan(items, outputs)
        if vis_kw.get('vis_dir'):
            plan_outputs(items, vis_kw['vis_dir'], self._guard)
        for folder in (out_dir, vis_kw.get('vis_dir')):
            if folder:
                check_writable_dir(folder)
        results: Dict[str, list] = dict(predictions=[], visualization=[])
        jobs = list(zip(items, outputs))
        for item, output in (track(jobs, description='Deweather')
                             if self.show_progress else jobs):
            frame = None
            try:
                if item.kind == 'missing':
                    raise FileNotFoundError(f'{item.label}: {item.error}')
                pred, frame = self._restore_item(item, output, batch_size,
                                                 forward_kw, return_arrays,
                                                 save_uncertainty)
            except INPUT_ERRORS as error:
                if errors == 'raise':
                    raise
                pred = self._prediction(item, error=str(error))
            packed = self.postprocess(
                [pred], self.visualize([(frame, item)], [pred], **vis_kw),
                return_datasamples, **post_kw)
            if not return_arrays:
                pred['restored'] = None
            for key in results:
                results[key].extend(packed[key])
        return results

    @staticmethod
    def _prediction(item: InputItem, **fields: Any) -> dict:
        pred = dict(input=item.label, kind=item.kind, output=None, frames=0,
                    restored=None, error=None)
        pred.update(fields)
        return pred

    def _restore_item(self, item: InputItem, output: Optional[str],
                      batch_size: int, forward_kw: dict, keep: bool,
                      save_uncertainty: bool = False):
        """Restore (and write) one input; return its prediction and frame.

        ``keep``: keep a video's restored frames (an image's result is always
        kept, for its panel). ``save_uncertainty``: also write the image's
        uncertainty map to :func:`uncertainty_path` of ``output``.
        """
        if item.kind == 'video':
            return self._restore_video(item, output, batch_size, forward_kw,
                                       keep), None
        frame = (read_image(item.source) if item.kind == 'image' else
                 item.source)
        restored = []
        if save_uncertainty:
            test_cfg = None
            if any(v is not None for v in forward_kw.values()):
                test_cfg = tiling_cfg(self.model.test_cfg, **forward_kw)
            with override_test_cfg(self.model, test_cfg):
                image, uncertainty = restore_with_uncertainty(
                    self.model, frame)
            restored.append(image)
            # the map first: a restored file never lacks its map
            atomic_write_image(
                uncertainty_path(output),
                np.round(uncertainty * 255.0).astype(np.uint8), (),
                self._guard)
        else:
            for batch in self.preprocess([frame], batch_size):
                restored += self.forward(batch, **forward_kw)
        if output is not None:
            atomic_write_image(output, restored[0], WRITE_PARAMS.get(
                osp.splitext(output)[1].lower(), ()), self._guard)
        return self._prediction(item, output=output, frames=1,
                                restored=restored[0]), frame

    def _restore_video(self, item: InputItem, output: Optional[str],
                       batch_size: int, forward_kw: dict, keep: bool) -> dict:
        """Stream a video through the restorer into an atomic writer."""
        frames: List[np.ndarray] = []
        count = 0
        batches = self.preprocess(read_video_frames(item.source), batch_size)
        if output is None:
            for batch in batches:
                restored = self.forward(batch, **forward_kw)
                count += len(restored)
                frames += restored if keep else []
        else:
            fps = probe_video(item.source).fps
            with AtomicVideoWriter(output, fps, self._guard) as writer:
                for batch in batches:
                    restored = self.forward(batch, **forward_kw)
                    for image in restored:
                        writer.write(image)
                    count += len(restored)
                    frames += restored if keep else []
        return self._prediction(item, output=output, frames=count,
                                restored=frames if keep else None)
