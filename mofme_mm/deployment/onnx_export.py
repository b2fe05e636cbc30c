"""Export a restorer's network to ONNX with a dynamic image size.

The exported graph is the network of the restorer in fp32, eval mode, from
RGB ``[0, 1]`` images ``(B, 3, H, W)`` to the restored images (clamped to
``[0, 1]``); the routing outputs are dropped. ``torch.onnx.export`` runs
with ``dynamo=True`` (``torch.export``): the sparse expert layers then take
their export path (``torch.compiler.is_exporting()`` in
``mofme_mm/models/layers/sparse_dispatch.py``), whose grouping by expert is
computed in the graph for every input, so new sizes and new routings are
exact (a ``torch.jit.trace`` would bake in the expert counts of the
example).

Batch, height and width are dynamic. Height and width are multiples of
``size_multiple`` (the network's ``patch_size``): the network pads other
sizes with a size-dependent branch that an exported graph cannot hold, so
:class:`~mofme_mm.deployment.onnx_runtime.OnnxRestorer` pads on the host
exactly as the network does (``pad_to_multiple``) and crops the result. The
multiple is stored in the ONNX metadata (:data:`MULTIPLE_KEY`).
"""
import contextlib
import os.path as osp
import sys
from typing import Dict, Sequence, Tuple

import torch
from torch import Tensor, nn

from mofme_mm.utils.atomic_write import atomic_output

INPUT_NAME = 'images'
OUTPUT_NAME = 'restored'
#: ONNX metadata key of the size multiple of the graph's H and W.
MULTIPLE_KEY = 'mofme_mm.size_multiple'
DEFAULT_OPSET = 18
#: Most tokens per side the dynamic H / W allow (times the multiple).
MAX_GRID = 1024


class RestoringGraph(nn.Module):
    """The restored images of a network (its first output), in ``[0, 1]``.

    Args:
        network (nn.Module): A restoration network returning ``restored`` or
            ``(restored, aux)``.
    """

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, images: Tensor) -> Tensor:
        """(B, 3, H, W) -> restored (B, 3, H, W), fp32 in [0, 1]."""
        outputs = self.network(images)
        restored = outputs if isinstance(outputs, Tensor) else outputs[0]
        return restored.float().clamp(0.0, 1.0)


def size_multiple(network: nn.Module) -> int:
    """What the graph's H and W must be multiples of (``patch_size`` or 1).

    Args:
        network (nn.Module): The restoration network.

    Returns:
        int: The multiple.
    """
    return int(getattr(network, 'patch_size', 1) or 1)


def check_export_size(size: Sequence[int], multiple: int,
                      field: str = 'export size') -> Tuple[int, int]:
    """Return ``(H, W)`` if both are positive multiples of ``multiple``.

    Args:
        size (Sequence[int]): ``(H, W)``.
        multiple (int): See :func:`size_multiple`.
        field (str): Its name in the error message.

    Returns:
        tuple[int, int]: ``(H, W)``.
    """
    height, width = (int(v) for v in size)
    if min(height, width) < multiple or height % multiple or width % multiple:
        raise ValueError(
            f'{field} {height} x {width}: the graph is traced at a size whose '
            f'H and W are multiples of the patch size {multiple} (at least '
            f'{multiple}), e.g. {2 * multiple} x {3 * multiple}; other sizes '
            'are padded by OnnxRestorer at run time.')
    return height, width


def export_onnx(network: nn.Module, path: str,
                size: Sequence[int] = (64, 96), batch: int = 2,
                opset: int = DEFAULT_OPSET) -> Dict:
    """Export ``network`` (fp32, eval, CPU) to the ONNX file ``path``.

    The file is written atomically (a temporary file, checked with
    ``onnx.checker``, then renamed): a failed export leaves ``path`` as it
    was.

    Args:
        network (nn.Module): The restoration network (a restorer's
            ``network``); it is put in eval mode.
        path (str): Destination ``.onnx`` file.
        size (Sequence[int]): ``(H, W)`` of the example input, multiples of
            :func:`size_multiple`. Defaults to (64, 96).
        batch (int): Example batch (>= 2: a batch of 1 would be fixed).
            Defaults to 2.
        opset (int): ONNX opset. Defaults to :data:`DEFAULT_OPSET`.

    Returns:
        dict: ``path``, ``size_multiple``, ``opset``, ``export_size``,
        ``bytes``.
    """
    import onnx

    if not path.endswith('.onnx'):
        raise ValueError(f'ONNX output {path!r} must end with .onnx.')
    if batch < 2:
        raise ValueError(f'export batch must be >= 2 (a batch of 1 is '
                         f'specialised by torch.export), got {batch}.')
    multiple = size_multiple(network)
    height, width = check_export_size(size, multiple)
    graph = RestoringGraph(network.float().cpu().eval()).eval()
    example = torch.rand(batch, 3, height, width)
    grid_h = torch.export.Dim('grid_h', min=1, max=MAX_GRID)
    grid_w = torch.export.Dim('grid_w', min=1, max=MAX_GRID)
    dims = {0: torch.export.Dim('batch', min=1, max=1024),
            2: multiple * grid_h if multiple > 1 else grid_h,
            3: multiple * grid_w if multiple > 1 else grid_w}
    with atomic_output(path) as tmp:
        # the exporter reports its steps on stdout: keep stdout for results
        with torch.no_grad(), contextlib.redirect_stdout(sys.stderr):
            torch.onnx.export(graph, (example, ), tmp, dynamo=True,
                              input_names=[INPUT_NAME],
                              output_names=[OUTPUT_NAME],
                              dynamic_shapes={'images': dims},
                              opset_version=opset, external_data=False,
                              verbose=False)
        model = onnx.load(tmp)
        onnx.helper.set_model_props(model, {MULTIPLE_KEY: str(multiple)})
        onnx.checker.check_model(model)
        onnx.save(model, tmp)
    return dict(path=path, size_multiple=multiple, opset=opset,
                export_size=[height, width], bytes=osp.getsize(path))
