"""Per-token Monte-Carlo spread of the UaR routing probabilities."""
import torch

from mofme_mm.models.layers import UncertaintyRouter
from mofme_mm.models.layers.routing import routing_prob_spread


def test_spread_matches_direct_variance_of_mc_probabilities():
    torch.manual_seed(0)
    x, weight, bias = torch.randn(2, 5, 8), torch.randn(4, 8), torch.randn(4)
    gen = torch.Generator().manual_seed(3)
    spread = routing_prob_spread(x, weight, bias, 6, 0.3, gen)
    gen = torch.Generator().manual_seed(3)
    probs = []
    for _ in range(6):
        mask = torch.empty(5, 8).bernoulli_(0.7, generator=gen) / 0.7
        probs.append(((x * mask) @ weight.t() + bias).softmax(-1))
    expected = torch.stack(probs).var(0, unbiased=False).sum(-1)
    torch.testing.assert_close(spread, expected, rtol=1e-5, atol=1e-7)
    assert spread.shape == (2, 5)
    assert (spread <= 1 - 1 / 4).all()


def test_router_uncertainty_is_seeded_and_leaves_routing_alone():
    torch.manual_seed(0)
    router = UncertaintyRouter(8, 4, top_k=2).eval()
    x = torch.randn(1, 6, 8)
    before = router(x)
    first = router.routing_uncertainty(x)
    torch.testing.assert_close(first, router.routing_uncertainty(x), rtol=0,
                               atol=0)
    assert not torch.equal(first, router.routing_uncertainty(x, seed=1))
    torch.testing.assert_close(router(x).weights, before.weights)
    zero = UncertaintyRouter(8, 4, top_k=2, dropout=0.0)
    assert (zero.routing_uncertainty(x) == 0).all()
