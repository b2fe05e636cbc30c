import pytest
import torch

from mofme_mm.models.layers import TopKRouter


def test_topk_router_outputs():
    torch.manual_seed(0)
    router = TopKRouter(8, num_experts=6, top_k=2)
    x = torch.randn(3, 5, 8)
    logits, weights, indices, probs, variance = router(x)
    assert logits.shape == (3, 5, 6) and weights.shape == (3, 5, 2)
    assert variance is None
    ref_probs = (x @ router.proj.weight.t() + router.proj.bias).softmax(-1)
    torch.testing.assert_close(probs, ref_probs)
    assert torch.equal(indices, ref_probs.topk(2, -1).indices)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 5))
    chosen = ref_probs.gather(-1, indices)
    torch.testing.assert_close(weights, chosen / chosen.sum(-1, keepdim=True))


def test_topk_router_without_renormalisation_keeps_probabilities():
    router = TopKRouter(8, num_experts=6, top_k=3, renormalize=False)
    out = router(torch.randn(4, 8))
    torch.testing.assert_close(out.weights, out.probs.gather(-1, out.indices))
    assert (out.weights.sum(-1) < 1).all()


@pytest.mark.parametrize('num_experts,top_k,field', [(4, 5, 'top_k'),
                                                      (0, 1, 'num_experts'),
                                                      (4, 0, 'top_k')])
def test_topk_router_bad_config(num_experts, top_k, field):
    with pytest.raises(ValueError, match=field):
        TopKRouter(8, num_experts=num_experts, top_k=top_k)


@pytest.mark.parametrize('num_experts,top_k,field', [
    (4, 'two', 'ffn_cfg.top_k'), ('four', 2, 'ffn_cfg.num_experts'),
    (4, 2.5, 'ffn_cfg.top_k'), (True, 1, 'ffn_cfg.num_experts'),
    (4, None, 'ffn_cfg.top_k')])
def test_non_integer_expert_settings_are_refused_by_name(num_experts, top_k,
                                                         field):
    # what --cfg-options top_k=two gives: a string, not an int() failure
    with pytest.raises(ValueError, match=rf'{field} must be an integer'):
        TopKRouter(8, num_experts=num_experts, top_k=top_k)
