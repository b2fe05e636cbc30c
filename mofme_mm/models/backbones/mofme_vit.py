"""MoFMEViT: the restoration ViT of the paper with a configurable FFN slot."""
from numbers import Integral, Real
from typing import Dict, List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mofme_mm.models.layers import ResBlock, TransformerBlock
from mofme_mm.models.layers.patch_embedding import PatchEmbedding
from mofme_mm.models.layers.uncertainty_router import (
    record_routing_uncertainty,
)
from mofme_mm.registry import MODELS


def pad_to_multiple(x: Tensor, multiple: int) -> Tensor:
    """Pad (B, C, H, W) at the bottom/right to multiples of ``multiple``.

    Reflection padding where the image is large enough, replication otherwise.
    """
    h, w = x.shape[-2:]
    pad_h, pad_w = -h % multiple, -w % multiple
    if not pad_h and not pad_w:
        return x
    mode = 'reflect' if pad_h < h and pad_w < w else 'replicate'
    return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)


def average_losses(aux_list: List[dict]) -> Dict[str, Tensor]:
    """Average each auxiliary loss over the MoE layers that report it."""
    sums: Dict[str, List[Tensor]] = {}
    for aux in aux_list:
        for key, value in aux['losses'].items():
            sums.setdefault(key, []).append(value)
    return {k: torch.stack(v).mean() for k, v in sums.items()}


TO_IMAGE_TYPES = ('linear', 'conv', 'upsample')
RESIDUAL_TYPES = ('none', 'add', 'affine')


def check_sizes(**sizes) -> None:
    """Refuse, by name, a size of the wrong kind or out of range.

    Integer fields must be ints >= 1 (``--cfg-options depth=two`` gives the
    string ``'two'``, which must not fail inside ``int()`` without the
    field's name); ``mlp_ratio`` may be any real number > 0.

    Args:
        **sizes: field name -> value.
    """
    for name, value in sizes.items():
        is_ratio = name == 'mlp_ratio'
        kind, rule = (Real, 'a number > 0') if is_ratio else (Integral,
                                                              'an int >= 1')
        if isinstance(value, bool) or not isinstance(value, kind):
            raise ValueError(f'MoFMEViT {name} must be {rule}, got '
                             f'{value!r} ({type(value).__name__}).')
        if (value <= 0) if is_ratio else (value < 1):
            raise ValueError(f'MoFMEViT {name} must be {rule}, got {value}.')


def build_to_image(kind: str, embed_dims: int, channels: int,
                   patch_size: int) -> nn.Module:
    """The layer that turns tokens into a ``channels``-channel image.

    Args:
        kind (str): ``'linear'`` (the paper's network: Linear D -> p*p*C per
            token, unfolded into a p x p patch; every patch is made from its
            own token only), ``'conv'`` (conv3x3 over the token grid,
            D -> p*p*C, then pixel shuffle: each patch also sees its 8
            neighbouring tokens) or ``'upsample'`` (conv1x1 D -> C on the
            token grid, then bilinear upsampling by p: no per-patch pattern).
        embed_dims (int): token dimension D.
        channels (int): output channels C.
        patch_size (int): patch size p.

    Returns:
        nn.Module: ``nn.Linear`` for ``'linear'``, an ``nn.Conv2d`` otherwise.
    """
    if kind == 'linear':
        return nn.Linear(embed_dims, channels * patch_size * patch_size)
    if kind == 'conv':
        return nn.Conv2d(embed_dims, channels * patch_size * patch_size, 3,
                         padding=1)
    return nn.Conv2d(embed_dims, channels, 1)


@MODELS.register_module()
class MoFMEViT(BaseModule):
    """Restoration ViT: conv head, patch tokens, transformer, conv tail.

    head: conv3x3 3 -> C_h, 2 x ResBlock(C_h); patch embedding: conv p x p
    stride p, C_h -> D, LayerNorm; ``depth`` pre-LN transformer blocks whose
    FFN slot is dense, classic MoE ('moe') or feature-modulated experts
    ('fme'), routed by 'topk' or 'uar'; Linear D -> p*p*C_t unfolded into p x p
    patches of C_t channels; tail: ResBlock(C_t), conv3x3 C_t -> C_t/2,
    ResBlock(C_t/2), conv3x3 -> 3, Sigmoid. No positional embedding, so any
    input size works: inputs are padded to a multiple of ``patch_size`` and the
    output is cropped back.

    Args:
        embed_dims (int): token dimension D. Defaults to 384.
        depth (int): transformer blocks. Defaults to 2.
        num_heads (int): attention heads. Defaults to 8.
        head_dims (int): dimension per head. Defaults to 64.
        mlp_ratio (float): FFN hidden size over D. Defaults to 4.
        patch_size (int): token patch size p. Defaults to 8.
        head_channels (int): channels of the conv head C_h. Defaults to 32.
        tail_channels (int): channels of the conv tail C_t. Defaults to 128.
        ffn_cfg (dict, optional): FFN slot: ``type`` 'dense' | 'moe' | 'fme',
            ``num_experts``, ``top_k``, ``gated`` (fme). Defaults to dense.
        router_cfg (dict, optional): ``type`` 'topk' | 'uar' and router options
            (``num_samples``, ``dropout``, ``renormalize``, ``mc_at_test``...).
            Defaults to top-k.
        init_cfg (dict, optional): mmengine init config. Defaults to None.

    Forward returns ``(restored, aux)``: restored (B, 3, H, W) in [0, 1];
    ``aux = dict(losses=dict(loss_balance, loss_uncertainty), routing=[...])``
    with losses unweighted and averaged over MoE layers (empty for a dense
    network; ``loss_uncertainty`` only with the UaR router) and one
    ``dict(weights=(B, N, k), indices=(B, N, k), losses=...)`` per MoE layer.
    With ``return_uncertainty=True`` (UaR routers only) ``aux`` also holds
    ``uncertainty``, the (B, 1, H, W) float32 raw routing uncertainty map
    (see :meth:`forward`).
    """

    def __init__(self,
                 embed_dims: int = 384,
                 depth: int = 2,
                 num_heads: int = 8,
                 head_dims: int = 64,
                 mlp_ratio: float = 4.0,
                 patch_size: int = 8,
                 head_channels: int = 32,
                 tail_channels: int = 128,
                 ffn_cfg: Optional[dict] = None,
                 router_cfg: Optional[dict] = None,
                 residual: Union[bool, str] = False,
                 to_image: str = 'linear',
                 head_skip: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_sizes(embed_dims=embed_dims, depth=depth, num_heads=num_heads,
                    head_dims=head_dims, mlp_ratio=mlp_ratio,
                    patch_size=patch_size, head_channels=head_channels,
                    tail_channels=tail_channels)
        if tail_channels < 2:
            raise ValueError(
                f'MoFMEViT tail_channels must be >= 2, got {tail_channels}.')
        if not isinstance(head_skip, bool):
            raise ValueError(f'MoFMEViT head_skip must be True or False, got '
                             f'{head_skip!r} ({type(head_skip).__name__}).')
        if isinstance(residual, bool):
            residual = 'add' if residual else 'none'
        if residual not in RESIDUAL_TYPES:
            raise ValueError(f'MoFMEViT residual must be False, True or one '
                             f'of {RESIDUAL_TYPES}, got {residual!r}.')
        if to_image not in TO_IMAGE_TYPES:
            raise ValueError(f'MoFMEViT to_image must be one of '
                             f'{TO_IMAGE_TYPES}, got {to_image!r}.')
        self.patch_size = patch_size
        self.tail_channels = tail_channels
        self.residual = residual
        self.to_image_type = to_image
        self.head = nn.Sequential(
            nn.Conv2d(3, head_channels, 3, padding=1),
            ResBlock(head_channels), ResBlock(head_channels))
        self.patch_embed = PatchEmbedding(head_channels, embed_dims,
                                          patch_size)
        self.embed_norm = nn.LayerNorm(embed_dims)
        self.blocks = nn.ModuleList(
            TransformerBlock(embed_dims, num_heads, head_dims, mlp_ratio,
                             ffn_cfg, router_cfg) for _ in range(depth))
        self.to_image = build_to_image(to_image, embed_dims, tail_channels,
                                       patch_size)
        # full-resolution head features added to the tail's input
        self.head_skip = (nn.Conv2d(head_channels, tail_channels, 1)
                          if head_skip else None)
        half = tail_channels // 2
        tail = [
            ResBlock(tail_channels),
            nn.Conv2d(tail_channels, half, 3, padding=1), ResBlock(half),
            nn.Conv2d(half, 3, 3, padding=1)
        ]
        if residual == 'affine':  # a gain and an offset per pixel
            tail[-1] = nn.Conv2d(half, 6, 3, padding=1)
        if residual == 'none':
            tail.append(nn.Sigmoid())
        self.tail = nn.Sequential(*tail)
        # channels-last weights and activations: oneDNN convolutions run up
        # to ~2x faster on CPU than with NCHW (no per-call weight reorder)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                module.to(memory_format=torch.channels_last)

    def forward(self, x: Tensor,
                return_uncertainty: bool = False) -> Tuple[Tensor, dict]:
        """Restore ``x`` (B, 3, H, W) in [0, 1]; see the class docstring.

        Args:
            x (Tensor): (B, 3, H, W) RGB in [0, 1].
            return_uncertainty (bool): Also return ``aux['uncertainty']``:
                per token, the Monte-Carlo spread of the routing
                probabilities (``UncertaintyRouter.routing_uncertainty``,
                sum over experts of their variance over the router's dropout
                passes) averaged over the MoE layers, as a (B, 1, h, w) token
                grid bilinearly upsampled by ``patch_size`` (as the
                ``'upsample'`` token head) and cropped to (H, W); raw, not
                normalised, >= 0. Routing and the restored image are
                unchanged. Raises ``ValueError`` for a network without
                uncertainty-aware routers. Defaults to False.
        """
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(
                f'MoFMEViT expects (B, 3, H, W) input, got {tuple(x.shape)}.')
        if return_uncertainty:
            with record_routing_uncertainty(self) as records:
                out, aux = self(x)
            aux['uncertainty'] = self._uncertainty_map(records, x.shape)
            return out, aux
        height, width = x.shape[-2:]
        x = pad_to_multiple(x, self.patch_size).contiguous(
            memory_format=torch.channels_last)
        feats = self.head(x)
        grid_h, grid_w = (size // self.patch_size for size in x.shape[-2:])
        tokens = self.embed_norm(self.patch_embed(feats))  # (B, h*w, D)
        routing = []
        for block in self.blocks:
            tokens, aux = block(tokens)
            if aux is not None:
                routing.append(aux)
        image = self._tokens_to_image(tokens, grid_h, grid_w)
        if self.head_skip is not None:
            image = image + self.head_skip(feats)
        out = self.tail(image)
        if self.residual == 'add':
            out = out + x
        elif self.residual == 'affine':
            out = (1 + out[:, :3]) * x + out[:, 3:]
        if self.residual != 'none':
            if not self.training:  # unclamped in training: no dead gradient
                out = out.clamp(0.0, 1.0)
        out = out[..., :height, :width].contiguous()
        return out, dict(losses=average_losses(routing), routing=routing)

    def _uncertainty_map(self, records: List[Tensor],
                         shape: torch.Size) -> Tensor:
        """(B, N) spreads of the MoE layers -> (B, 1, H, W) pixel map."""
        batch, _, height, width = shape
        p = self.patch_size
        grid_h, grid_w = -(-height // p), -(-width // p)
        tokens = torch.stack(records).mean(dim=0).reshape(
            batch, 1, grid_h, grid_w)
        pixels = F.interpolate(tokens, scale_factor=p, mode='bilinear',
                               align_corners=False)
        return pixels[..., :height, :width].clamp_min(0.0).contiguous()

    def _tokens_to_image(self, tokens: Tensor, grid_h: int,
                         grid_w: int) -> Tensor:
        """(B, h*w, D) tokens -> (B, C_t, h*p, w*p) image, channels-last."""
        p, c = self.patch_size, self.tail_channels
        if self.to_image_type == 'linear':
            img = self.to_image(tokens).reshape(-1, grid_h, grid_w, p, p, c)
            img = img.permute(0, 1, 3, 2, 4, 5).reshape(
                -1, grid_h * p, grid_w * p, c)
            return img.permute(0, 3, 1, 2)
        grid = tokens.transpose(1, 2).reshape(-1, tokens.shape[-1], grid_h,
                                              grid_w)
        grid = grid.contiguous(memory_format=torch.channels_last)
        if self.to_image_type == 'conv':
            return F.pixel_shuffle(self.to_image(grid), p).contiguous(
                memory_format=torch.channels_last)
        return F.interpolate(  # 'upsample'
            self.to_image(grid), scale_factor=p, mode='bilinear',
            align_corners=False).contiguous(memory_format=torch.channels_last)
