"""VGG16 perceptual loss read from a local checkpoint.

torchvision is not a dependency and nothing may be downloaded, so the VGG16
feature extractor is built here in plain torch with torchvision's layer
indices and filled from a state dict on disk (torchvision's
``vgg16-397923af.pth`` or any dict with the same ``features.N.*`` keys).
"""
import os.path as osp
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mofme_mm.registry import MODELS

from .functional import check_loss_args, masked_mean

# Output channels of VGG16's conv layers; 'M' is a 2x2 max pool.
VGG16_LAYOUT = (64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512,
                'M', 512, 512, 512, 'M')
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_NO_CHECKPOINT_HELP = (
    'Nothing can be downloaded here, so PerceptualLoss needs a local VGG16 '
    'checkpoint: a torchvision vgg16 state dict (e.g. vgg16-397923af.pth, '
    "keys 'features.N.weight'). Pass its path as vgg_checkpoint in the loss "
    "config, e.g. dict(type='PerceptualLoss', "
    "vgg_checkpoint='/path/to/vgg16.pth'), or on the command line with "
    '--cfg-options model.pixel_loss.<index>.vgg_checkpoint=/path/to/vgg16.pth.'
    ' Without one, use the MSELoss or L1Loss task losses.')


def build_vgg16_features(last_layer: int) -> nn.Sequential:
    """VGG16 ``features`` up to and including layer index ``last_layer``.

    Layer indices follow torchvision (conv, ReLU, ..., max pool), so a
    torchvision state dict loads by index: e.g. 3 = relu1_2, 8 = relu2_2,
    15 = relu3_3, 22 = relu4_3.

    Args:
        last_layer (int): Index of the last layer to build.

    Returns:
        nn.Sequential: The truncated feature extractor.
    """
    layers = []
    in_channels = 3
    for item in VGG16_LAYOUT:
        if item == 'M':
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.Conv2d(in_channels, item, 3, padding=1))
            layers.append(nn.ReLU(inplace=False))
            in_channels = item
    if not 0 <= last_layer < len(layers):
        raise ValueError(f'VGG16 layer indices are 0..{len(layers) - 1}, '
                         f'got {last_layer}.')
    return nn.Sequential(*layers[:last_layer + 1])


def load_vgg16_features(features: nn.Sequential,
                        checkpoint: Optional[str]) -> None:
    """Fill ``features`` from a local VGG16 checkpoint.

    Args:
        features (nn.Sequential): Built by :func:`build_vgg16_features`.
        checkpoint (str, optional): Path of the state dict.
    """
    if not checkpoint:
        raise ValueError('PerceptualLoss: vgg_checkpoint is not set. '
                         + _NO_CHECKPOINT_HELP)
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(
            f'PerceptualLoss: vgg_checkpoint {checkpoint!r} does not exist. '
            + _NO_CHECKPOINT_HELP)
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    wanted = features.state_dict().keys()
    found = {}
    for key, value in state.items():
        key = key[len('features.'):] if key.startswith('features.') else key
        if key in wanted:
            found[key] = value
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise KeyError(
            f'PerceptualLoss: vgg_checkpoint {checkpoint!r} lacks the VGG16 '
            f'feature weights {missing[:4]}... Expected a torchvision vgg16 '
            "state dict with keys like 'features.0.weight'.")
    features.load_state_dict(found)


@MODELS.register_module()
class PerceptualLoss(nn.Module):
    """Distance between VGG16 features of the prediction and the target.

    The reference scripts train with ``L1 + 0.04 x perceptual``; use it as
    ``pixel_loss=[dict(type='L1Loss'), dict(type='PerceptualLoss',
    loss_weight=0.04, vgg_checkpoint=...)]``.

    Args:
        vgg_checkpoint (str): Local path of a torchvision VGG16 state dict.
            Required: nothing is downloaded.
        layer_ids (Sequence[int]): torchvision indices of the compared
            feature maps. Defaults to (3, 8, 15) (relu1_2, relu2_2, relu3_3).
        criterion (str): ``'mse'`` or ``'l1'`` distance between features.
            Defaults to ``'mse'``.
        normalize_input (bool): Normalise [0, 1] RGB inputs with the ImageNet
            mean and std first. Defaults to True.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Log key. Defaults to ``'loss_perceptual'``.
    """

    def __init__(self,
                 vgg_checkpoint: Optional[str] = None,
                 layer_ids: Sequence[int] = (3, 8, 15),
                 criterion: str = 'mse',
                 normalize_input: bool = True,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_perceptual') -> None:
        super().__init__()
        check_loss_args(type(self).__name__, loss_weight, loss_name)
        if criterion not in ('mse', 'l1'):
            raise ValueError("PerceptualLoss: criterion must be 'mse' or "
                             f"'l1', got {criterion!r}.")
        if not layer_ids:
            raise ValueError('PerceptualLoss: layer_ids must not be empty.')
        self.layer_ids = sorted(int(i) for i in layer_ids)
        self.features = build_vgg16_features(self.layer_ids[-1])
        load_vgg16_features(self.features, vgg_checkpoint)
        self.features.requires_grad_(False)
        self.features.eval()
        self.criterion = criterion
        self.normalize_input = normalize_input
        self.loss_weight = loss_weight
        self.loss_name = loss_name
        self.register_buffer(
            'mean', torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), False)
        self.register_buffer(
            'std', torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), False)

    def train(self, mode: bool = True) -> 'PerceptualLoss':
        """Keep the frozen VGG in eval mode."""
        super().train(mode)
        self.features.eval()
        return self

    def _extract(self, images: Tensor) -> list:
        if self.normalize_input:
            images = (images - self.mean) / self.std
        outputs = []
        for index, layer in enumerate(self.features):
            images = layer(images)
            if index in self.layer_ids:
                outputs.append(images)
        return outputs

    def forward(self, pred: Tensor, target: Tensor,
                mask: Optional[Tensor] = None) -> Tensor:
        """Mean feature distance over the chosen layers.

        Args:
            pred (Tensor): Restored images, ``(B, 3, H, W)`` RGB in [0, 1].
            target (Tensor): Ground truth of the same shape.
            mask (Tensor, optional): 0/1 mask of valid pixels, ``(B, 1, H,
                W)``; resized to each feature map.

        Returns:
            Tensor: Scalar loss.
        """
        pred_feats = self._extract(pred)
        with torch.no_grad():
            target_feats = self._extract(target)
        total = pred.new_zeros(())
        for pred_feat, target_feat in zip(pred_feats, target_feats):
            diff = pred_feat - target_feat
            diff = diff.pow(2) if self.criterion == 'mse' else diff.abs()
            feat_mask = None
            if mask is not None:
                feat_mask = F.interpolate(
                    mask.to(diff.dtype), size=diff.shape[-2:], mode='nearest')
            total = total + masked_mean(diff, feat_mask)
        return self.loss_weight * total / len(pred_feats)
