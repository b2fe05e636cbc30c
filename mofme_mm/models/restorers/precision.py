"""Inference precision of a restorer: fp32, bf16 or fp16 autocast.

``test_cfg.precision`` of :class:`DeweatherRestorer` is the one setting; the
deweathering preprocessors / backbone (``precision=``), ``init_restorer(...,
precision=)`` and the tools' ``--precision`` all write it.

* ``'fp32'``: autocast off (also inside an autocast region of the caller).
* ``'bf16'`` / ``'fp16'``: ``torch.autocast`` with that dtype: convolutions
  and products in the low precision, normalisation, softmax and the routing
  weights in fp32. Refused, with the reason, where the device lacks the
  dtype (:func:`check_precision_supported`).

Without gradients (inference) the network runs on cached low-precision
copies of its convolution, linear and expert weights (:class:`LowPrecisionWeights`),
so a forward pass does not cast every weight again; the values are those
autocast would use (the same round-to-nearest cast), so the outputs are the
same. See docs/deployment.md for when bf16 pays off on a CPU.
"""
import contextlib
from typing import Dict, Iterator, List, Optional, Tuple, Union

import torch
from torch import Tensor, nn

PRECISIONS = ('fp32', 'bf16', 'fp16')
DTYPES = dict(fp32=torch.float32, bf16=torch.bfloat16, fp16=torch.float16)
#: Modules whose parameters only feed autocast's low-precision ops.
MATMUL_MODULES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)


def check_precision(precision, field: str = 'model.test_cfg.precision') -> str:
    """Return ``precision`` if it is one of :data:`PRECISIONS`, else raise.

    Args:
        precision: The value to check.
        field (str): Its name in error messages.

    Returns:
        str: ``precision``.
    """
    if precision not in PRECISIONS:
        raise ValueError(f'{field} must be one of {PRECISIONS}, got '
                         f'{precision!r}.')
    return precision


def bf16_cpu_flags() -> List[str]:
    """The bf16 instruction sets this CPU reports (Linux ``/proc/cpuinfo``).

    Returns:
        list[str]: Those of ``avx512_bf16``, ``amx_bf16`` present; empty
        where ``/proc/cpuinfo`` is missing.
    """
    try:
        with open('/proc/cpuinfo') as f:
            flags = next((line.split(':', 1)[1].split() for line in f
                          if line.startswith('flags')), [])
    except OSError:
        return []
    return [flag for flag in ('avx512_bf16', 'amx_bf16') if flag in flags]


def check_precision_supported(precision: str,
                              device: Union[str, torch.device]) -> None:
    """Raise ``ValueError`` when ``device`` cannot run ``precision``.

    CPU: bf16 needs oneDNN's bf16 support (AVX-512 at least; fast with the
    ``avx512_bf16`` or ``amx_bf16`` instructions); fp16 needs AVX512-FP16 or
    AMX-FP16 (oneDNN's fp16 support): without them fp16 products are
    emulated hundreds of times slower than fp32. CUDA: bf16 needs a GPU that
    computes it (compute capability 8.0+), fp16 runs everywhere.

    Args:
        precision (str): One of :data:`PRECISIONS`.
        device (str | torch.device): Where the restorer runs.
    """
    check_precision(precision)
    device = torch.device(device)
    if precision == 'fp32':
        return
    fix = "use precision='fp32'" + ("" if precision == 'bf16' else
                                    " or 'bf16'")
    if device.type == 'cpu':
        if precision == 'bf16' and not \
                torch.ops.mkldnn._is_mkldnn_bf16_supported():
            raise ValueError(
                'precision bf16: this CPU has no bf16 support in oneDNN '
                '(needs AVX-512; fast with avx512_bf16 or amx_bf16 in '
                f'`lscpu` flags); {fix}.')
        if precision == 'fp16' and not \
                torch.ops.mkldnn._is_mkldnn_fp16_supported():
            raise ValueError(
                'precision fp16: this CPU has no fp16 arithmetic (needs '
                'avx512_fp16 or amx_fp16 in `lscpu` flags); its fp16 '
                f'products would be emulated, far slower than fp32; {fix}.')
        return
    if device.type == 'cuda':
        if precision == 'bf16' and not torch.cuda.is_bf16_supported(
                including_emulation=False):
            raise ValueError(
                f'precision bf16: the GPU {device} does not compute bf16 '
                "(compute capability < 8.0); use precision='fp16' or 'fp32'.")
        return
    if not torch.amp.is_autocast_available(device.type):
        raise ValueError(f'precision {precision}: torch has no autocast for '
                         f'device type {device.type!r}; {fix}.')


@contextlib.contextmanager
def precision_autocast(precision: str,
                       device_type: str) -> Iterator[None]:
    """Autocast in ``precision`` on ``device_type`` (fp32: autocast off)."""
    if precision == 'fp32':
        with torch.autocast(device_type, enabled=False):
            yield
        return
    with torch.autocast(device_type, dtype=DTYPES[precision]):
        yield


def low_precision_parameters(network: nn.Module) -> List[Tuple[str, Tensor]]:
    """Parameters that only feed autocast's low-precision ops.

    The weights and biases of linear and convolution layers, and the
    parameters a module lists in ``low_precision_params`` (the stacked
    expert weights of ``FMEFFN`` / ``MoEFFN``). Normalisation parameters and
    anything else stay in fp32.

    Args:
        network (nn.Module): The network.

    Returns:
        list[tuple[str, Tensor]]: ``(qualified name, parameter)`` pairs.
    """
    found = []
    for prefix, module in network.named_modules():
        names = (('weight', 'bias') if isinstance(module, MATMUL_MODULES) else
                 getattr(module, 'low_precision_params', ()))
        for name in names:
            param = getattr(module, name, None)
            if isinstance(param, Tensor) and param.is_floating_point():
                found.append((f'{prefix}.{name}' if prefix else name, param))
    return found


class LowPrecisionWeights:
    """Cached low-precision copies of a network's matmul / conv weights.

    The copies are made again when a parameter changed (its in-place version
    counter moved, e.g. an optimizer step or ``load_state_dict``), was
    replaced or moved to another device.
    """

    def __init__(self) -> None:
        self._key: Optional[tuple] = None
        self._params: Dict[str, Tensor] = {}

    def get(self, network: nn.Module, dtype: torch.dtype) -> Dict[str, Tensor]:
        """Name -> low-precision copy, for ``torch.func.functional_call``.

        Args:
            network (nn.Module): The network.
            dtype (torch.dtype): The autocast dtype.

        Returns:
            dict[str, Tensor]: The copies (made now or cached).
        """
        params = low_precision_parameters(network)
        key = (dtype, tuple((name, id(p), p._version, p.device)
                            for name, p in params))
        if key != self._key:
            self._params = {}  # free the old copies first
            with torch.inference_mode(False), torch.no_grad():
                self._params = {name: p.detach().to(dtype)
                                for name, p in params}
            self._key = key
        return self._params

    def clear(self) -> None:
        """Drop the copies."""
        self._key, self._params = None, {}


def set_config_precision(model: dict, precision: str) -> List[str]:
    """Write ``precision`` where a model config keeps its restorer's.

    A restorer config (a model with a ``network``) gets
    ``test_cfg.precision``; a downstream config gets ``precision`` on every
    restorer holder (``data_preprocessor`` / ``backbone`` with a
    ``restorer``).

    Args:
        model (dict): ``cfg.model``, modified in place.
        precision (str): One of :data:`PRECISIONS`.

    Returns:
        list[str]: The config fields set.
    """
    check_precision(precision, 'precision')
    if 'network' in model:
        model['test_cfg'] = dict(model.get('test_cfg') or {},
                                 precision=precision)
        return ['model.test_cfg.precision']
    fields = []
    for part in ('data_preprocessor', 'backbone'):
        holder = model.get(part)
        if isinstance(holder, dict) and 'restorer' in holder:
            holder['precision'] = precision
            fields.append(f'model.{part}.precision')
    if not fields:
        raise ValueError(
            'precision applies to a deweathering restorer, but this model '
            f"(type={model.get('type')!r}) has none: no model.network, "
            'model.data_preprocessor.restorer or model.backbone.restorer.')
    return fields
