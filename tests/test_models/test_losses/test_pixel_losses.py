import pytest
import torch

from mofme_mm.models.losses import L1Loss, MSELoss, masked_mean
from mofme_mm.registry import MODELS


def test_masked_mean_ignores_masked_pixels():
    values = torch.tensor([[[[1.0, 100.0], [3.0, 100.0]]]])
    mask = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    assert masked_mean(values, mask).item() == pytest.approx(2.0)
    assert masked_mean(values).item() == pytest.approx(51.0)


@pytest.mark.parametrize('cls,name,power', [(MSELoss, 'loss_mse', 2),
                                             (L1Loss, 'loss_l1', 1)])
def test_pixel_loss_values_and_weight(cls, name, power):
    pred, target = torch.rand(2, 3, 5, 5), torch.rand(2, 3, 5, 5)
    loss = MODELS.build(dict(type=cls.__name__, loss_weight=3.0))
    assert loss.loss_name == name
    expected = 3.0 * (pred - target).abs().pow(power).mean()
    torch.testing.assert_close(loss(pred, target), expected)


@pytest.mark.parametrize('kwargs,field', [(dict(loss_weight=-1), 'loss_weight'),
                                          (dict(loss_name='mse'), 'loss_name')])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        MSELoss(**kwargs)
