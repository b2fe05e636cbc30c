import pytest
import torch

from mofme_mm.models.losses import PerceptualLoss
from mofme_mm.models.losses.perceptual_loss import build_vgg16_features


@pytest.fixture(scope='module')
def vgg_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    features = build_vgg16_features(15)
    path = tmp_path_factory.mktemp('vgg') / 'vgg16.pth'
    state = {f'features.{k}': v for k, v in features.state_dict().items()}
    state['classifier.0.weight'] = torch.zeros(2, 2)  # ignored
    torch.save(state, path)
    return str(path), features


def test_torchvision_layer_indices():
    features = build_vgg16_features(30)
    assert len(features) == 31
    assert isinstance(features[4], torch.nn.MaxPool2d)
    assert features[28].out_channels == 512
    with pytest.raises(ValueError, match='0..30'):
        build_vgg16_features(31)


def test_loads_local_weights_and_is_frozen(vgg_checkpoint):
    path, reference = vgg_checkpoint
    loss = PerceptualLoss(vgg_checkpoint=path, layer_ids=(3, 8, 15))
    for (name, ours), theirs in zip(loss.features.state_dict().items(),
                                    reference.state_dict().values()):
        assert torch.equal(ours, theirs), name
    assert not any(p.requires_grad for p in loss.parameters())
    loss.train()
    assert not loss.features.training


def test_loss_is_zero_for_equal_images_and_grads_reach_pred(vgg_checkpoint):
    loss = PerceptualLoss(vgg_checkpoint=vgg_checkpoint[0], loss_weight=0.04)
    target = torch.rand(1, 3, 32, 32)
    assert loss(target.clone(), target).item() == pytest.approx(0.0)
    pred = torch.rand(1, 3, 32, 32, requires_grad=True)
    value = loss(pred, target)
    value.backward()
    assert value.item() > 0 and pred.grad.abs().sum() > 0


def test_without_path_says_nothing_can_be_downloaded():
    with pytest.raises(ValueError, match='vgg_checkpoint') as info:
        PerceptualLoss()
    assert 'downloaded' in str(info.value)
    assert '--cfg-options' in str(info.value)


def test_missing_file_names_the_path(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        PerceptualLoss(vgg_checkpoint=missing)


def test_wrong_checkpoint_says_what_is_expected(tmp_path):
    path = tmp_path / 'other.pth'
    torch.save({'conv.weight': torch.zeros(1)}, path)
    with pytest.raises(KeyError, match='features.0.weight'):
        PerceptualLoss(vgg_checkpoint=str(path))
