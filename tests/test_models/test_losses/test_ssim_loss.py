"""SSIMLoss / ssim_loss: 1 - SSIM, checked against scikit-image."""
import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

import mofme_mm.models.losses as losses
from mofme_mm.models.losses import SSIMLoss, ssim_loss, ssim_map
from mofme_mm.registry import MODELS

SK = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
          data_range=1.0, channel_axis=-1)


def _pair(seed, shape=(2, 3, 24, 30), noise=0.1, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(shape, generator=gen, dtype=dtype)
    pred = (target + noise * torch.randn(shape, generator=gen, dtype=dtype))
    return pred.clamp(0, 1), target


@pytest.mark.parametrize('seed,noise', [(0, 0.02), (1, 0.1), (2, 0.4)])
def test_one_minus_loss_is_skimage_ssim(seed, noise):
    pred, target = _pair(seed, noise=noise)
    ref = np.mean([
        structural_similarity(p.permute(1, 2, 0).numpy(),
                              t.permute(1, 2, 0).numpy(), **SK)
        for p, t in zip(pred, target)
    ])
    assert 1 - ssim_loss(pred, target).item() == pytest.approx(ref, abs=1e-6)
    assert ssim_map(pred, target).shape == (2, 3, 14, 20)


def test_zero_for_identical_images_and_gradient_towards_target():
    pred, target = _pair(3, dtype=torch.float32)
    assert ssim_loss(target, target).item() == pytest.approx(0, abs=1e-6)
    pred.requires_grad_(True)
    loss = SSIMLoss(loss_weight=2.0)(pred, target)
    loss.backward()
    assert loss.item() > 0 and pred.grad.abs().sum() > 0
    with torch.no_grad():  # a small step down the gradient lowers the loss
        stepped = pred - 0.5 * pred.grad / pred.grad.abs().max()
    assert SSIMLoss(loss_weight=2.0)(stepped, target) < loss


def test_loss_weight_and_name():
    pred, target = _pair(4)
    loss = MODELS.build(dict(type='SSIMLoss', loss_weight=0.5))
    assert loss.loss_name == 'loss_ssim'
    torch.testing.assert_close(loss(pred, target),
                               0.5 * ssim_loss(pred, target))


def test_mask_ignores_windows_touching_invalid_pixels():
    pred, target = _pair(5, shape=(1, 3, 24, 40))
    mask = torch.zeros(1, 1, 24, 40, dtype=torch.float64)
    mask[..., :20] = 1
    changed = pred.clone()
    changed[..., 20:] = torch.rand_like(changed[..., 20:])
    torch.testing.assert_close(ssim_loss(pred, target, mask),
                               ssim_loss(changed, target, mask))
    # the valid windows are exactly those of the left 24 x 20 part
    torch.testing.assert_close(
        ssim_loss(pred, target, mask),
        ssim_loss(pred[..., :20], target[..., :20]))
    assert ssim_loss(pred, target) != ssim_loss(changed, target)


@pytest.mark.parametrize('kwargs,field', [
    (dict(window_size=10), 'window_size'),
    (dict(window_size='11'), 'window_size'),
    (dict(sigma=0), 'sigma'),
    (dict(loss_weight=-1), 'loss_weight'),
    (dict(loss_name='ssim'), 'loss_name'),
])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        SSIMLoss(**kwargs)


def test_images_smaller_than_the_window_are_refused():
    pred, target = _pair(6, shape=(1, 3, 8, 30))
    with pytest.raises(ValueError, match='smaller than the window'):
        ssim_loss(pred, target)


def test_package_exports_the_functions_not_the_modules():
    # importing the submodules l1_loss.py / ssim_loss.py must not replace
    # the functions of the same names on the package
    assert callable(losses.l1_loss) and callable(losses.ssim_loss)
    pred, target = _pair(7)
    torch.testing.assert_close(losses.l1_loss(pred, target),
                               (pred - target).abs().mean())
