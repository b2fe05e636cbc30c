import pytest
import torch

from mofme_mm.models.layers import TopKRouter, UncertaintyRouter
from mofme_mm.models.layers.routing import calibrate_logits, mc_logit_deviations


def _pair(dropout, **kwargs):
    torch.manual_seed(0)
    uar = UncertaintyRouter(16, num_experts=8, top_k=2, dropout=dropout,
                            **kwargs)
    plain = TopKRouter(16, num_experts=8, top_k=2)
    plain.load_state_dict(uar.state_dict())
    return uar, plain


def test_training_with_dropout_gives_finite_nonzero_stochastic_weights():
    uar, _ = _pair(0.2)
    uar.train()
    x = torch.randn(4, 10, 16)
    out1, out2 = uar(x), uar(x)
    for out in (out1, out2):
        assert torch.isfinite(out.weights).all()
        assert (out.weights > 0).all()
        assert (out.variance > 0).all()
    assert not torch.equal(out1.logits, out2.logits)
    devs = mc_logit_deviations(x, uar.proj.weight, 5, 0.2)
    assert devs.shape == (5, 4, 10, 8)
    assert not torch.allclose(devs[0], devs[1])  # MC samples differ


@pytest.mark.parametrize('mode', ['train', 'eval'])
def test_zero_dropout_or_eval_equals_plain_router(mode):
    uar, plain = _pair(0.0 if mode == 'train' else 0.3)
    getattr(uar, mode)()
    x = torch.randn(3, 12, 16)
    out, ref = uar(x), plain(x)
    assert torch.isfinite(out.weights).all() and (out.weights > 0).all()
    assert torch.equal(out.indices, ref.indices)
    torch.testing.assert_close(out.weights, ref.weights)
    assert torch.count_nonzero(out.variance) == 0


def test_mc_at_test_is_stochastic_in_eval():
    uar, _ = _pair(0.3, mc_at_test=True)
    uar.eval()
    x = torch.randn(2, 6, 16)
    assert not torch.equal(uar(x).logits, uar(x).logits)


def test_calibration_by_hand():
    # M = 2 samples, E = 2 experts: u_1 = (1, 0), u_2 = (-1, 2)
    devs = torch.tensor([[1.0, 0.0], [-1.0, 2.0]])
    calib, var = calibrate_logits(devs, eps=0.0)
    # mu - z = (0, 1); var = (1, 1); Sigma^-1 (z - mu) = (0, -1)
    torch.testing.assert_close(var, torch.tensor([1.0, 1.0]))
    torch.testing.assert_close(calib, torch.tensor([0.0, -1.0]))
    calib, var = calibrate_logits(torch.zeros(3, 4, 5))
    assert torch.count_nonzero(calib) == 0 and torch.count_nonzero(var) == 0


def test_calibrated_vector_is_unit_norm_and_carries_gradients():
    uar, _ = _pair(0.1)
    uar.train()
    x = torch.randn(20, 16)
    out = uar(x)
    plain_logits = uar.proj(x).float()
    norms = (out.logits - plain_logits).norm(dim=-1)
    torch.testing.assert_close(norms, torch.ones(20), atol=1e-4, rtol=1e-4)
    (out.weights[:, 0].sum() + out.variance.sum()).backward()
    assert uar.proj.weight.grad.abs().sum() > 0


@pytest.mark.parametrize('num_samples', [0, 1, 2.5, '5', True])
def test_fewer_than_two_mc_samples_are_refused(num_samples):
    with pytest.raises(ValueError, match='router_cfg.num_samples'):
        UncertaintyRouter(8, 4, 2, num_samples=num_samples)


def test_two_mc_samples_give_a_nonzero_variance():
    torch.manual_seed(0)
    uar = UncertaintyRouter(16, 4, 2, num_samples=2, dropout=0.3).train()
    out = uar(torch.randn(10, 16))
    assert out.variance.sum() > 0


def test_uncertainty_on_probs_or_logits():
    x = torch.randn(6, 16)
    outs = {}
    for on in ('probs', 'logits'):
        torch.manual_seed(0)
        uar = UncertaintyRouter(16, 4, 2, dropout=0.2, uncertainty_on=on)
        uar.train()
        with torch.no_grad():
            uar.proj.weight.mul_(10)  # large logits: the two readings differ
        torch.manual_seed(1)
        outs[on] = uar(x)
        # the same MC passes, recomputed by hand
        torch.manual_seed(1)
        devs = mc_logit_deviations(x, uar.proj.weight, 5, 0.2)
        z = uar.proj(x).float()
        samples = z + devs if on == 'logits' else (z + devs).softmax(-1)
        torch.testing.assert_close(outs[on].variance,
                                   samples.var(0, unbiased=False))
    # same routing either way; only the loss input differs
    torch.testing.assert_close(outs['probs'].logits, outs['logits'].logits)
    assert outs['probs'].variance.max() <= 0.25
    assert outs['logits'].variance.max() > 1.0
    assert UncertaintyRouter(8, 4, 2).uncertainty_on == 'logits'


def test_bad_router_config():
    with pytest.raises(ValueError, match='uncertainty_on'):
        UncertaintyRouter(8, 4, 2, uncertainty_on='weights')
    with pytest.raises(ValueError, match='dropout'):
        UncertaintyRouter(8, 4, 2, dropout=1.0)
    with pytest.raises(ValueError, match='top_k'):
        UncertaintyRouter(8, 4, 5)
