import math

import pytest
import torch

from mofme_mm.models.layers import TopKRouter
from mofme_mm.models.layers.moe_losses import load_balance_loss, uncertainty_loss


@pytest.mark.parametrize('num_experts,top_k', [(4, 1), (8, 2), (16, 2)])
def test_balanced_scores_one_collapsed_scores_e_over_k(num_experts, top_k):
    tokens = num_experts * 4
    # balanced: uniform probabilities, every expert chosen equally often
    probs = torch.full((tokens, num_experts), 1.0 / num_experts)
    indices = (torch.arange(tokens * top_k) % num_experts).reshape(
        tokens, top_k)
    balanced = load_balance_loss(probs, indices)
    assert balanced.item() == pytest.approx(1.0)
    # collapsed: every token to experts 0..k-1 with almost all the mass
    logits = torch.full((tokens, num_experts), -10.0)
    logits[:, :top_k] = 10.0
    collapsed = load_balance_loss(logits.softmax(-1),
                                  torch.arange(top_k).expand(tokens, top_k))
    assert collapsed.item() > balanced.item()
    assert collapsed.item() == pytest.approx(num_experts / top_k, rel=1e-3)


def test_balanced_dispatch_scores_one_whatever_the_probabilities():
    probs = torch.rand(8, 4).softmax(-1)
    indices = torch.arange(8).remainder(4).unsqueeze(1)
    assert load_balance_loss(probs, indices).item() == pytest.approx(1.0)


def test_one_is_not_a_lower_bound():
    """E = 2, top-1: 3/4 of the tokens go to expert 0 with p = (0.51, 0.49),
    1/4 to expert 1 with p = (0, 1). Imbalanced, yet below 1."""
    probs = torch.tensor([[0.51, 0.49]] * 3 + [[0.0, 1.0]])
    indices = probs.argmax(-1, keepdim=True)
    f = [3 / 4, 1 / 4]
    p_mean = [3 / 4 * 0.51, 3 / 4 * 0.49 + 1 / 4]
    expected = 2 * (f[0] * p_mean[0] + f[1] * p_mean[1])
    value = load_balance_loss(probs, indices).item()
    assert value == pytest.approx(expected)
    assert value < 0.9


def test_when_dispatch_follows_probabilities_uniform_is_the_minimum():
    torch.manual_seed(0)
    num_experts, tokens = 4, 4000
    values = []
    for skew in (0.0, 0.5, 1.0, 2.0):
        logits = torch.zeros(tokens, num_experts)
        logits[:, 0] = skew
        probs = logits.softmax(-1)
        # sample the dispatch from the probabilities: f ~ P
        indices = torch.multinomial(probs, 1)
        p_mean = probs.mean(0)
        value = load_balance_loss(probs, indices).item()
        assert value == pytest.approx(
            num_experts * (p_mean**2).sum().item(), rel=0.05)
        values.append(value)
    assert values[0] == pytest.approx(1.0, abs=0.02)
    assert values == sorted(values) and values[-1] > 1.5


def test_gradient_is_e_times_the_load():
    probs = torch.rand(10, 4).softmax(-1).requires_grad_()
    indices = torch.tensor([[0], [0], [0], [0], [0], [0], [1], [1], [2],
                            [3]])
    load_balance_loss(probs, indices).backward()
    load = torch.tensor([0.6, 0.2, 0.1, 0.1])
    # dL/dp_ni = E f_i / N for every token n
    torch.testing.assert_close(probs.grad, (4 * load / 10).expand(10, 4))


def _dispatch(router, x):
    counts = torch.bincount(router(x).indices.reshape(-1), minlength=4)
    frac = counts.float() / counts.sum()
    entropy = -(frac * frac.clamp_min(1e-12).log()).sum() / math.log(4)
    return frac, entropy.item()


def test_training_with_it_balances_a_skewed_router():
    torch.manual_seed(0)
    router = TopKRouter(16, num_experts=4, top_k=1)
    with torch.no_grad():
        router.proj.bias.copy_(torch.tensor([3.0, 0.0, 0.0, 0.0]))
    x = torch.randn(512, 16)
    frac, entropy = _dispatch(router, x)
    assert frac.max() > 0.8 and entropy < 0.5  # skewed at start
    optimizer = torch.optim.Adam(router.parameters(), lr=0.05)
    for _ in range(150):
        out = router(x)
        loss = load_balance_loss(out.probs, out.indices)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    frac, entropy = _dispatch(router, x)
    assert frac.max() < 0.4, frac  # 0.25 is perfect balance
    assert entropy > 0.9
    # and the fresh tokens of the same distribution are balanced too
    assert _dispatch(router, torch.randn(512, 16))[0].max() < 0.45


def test_load_balance_gradient_flows_through_probabilities():
    logits = torch.randn(6, 4, requires_grad=True)
    probs = logits.softmax(-1)
    load_balance_loss(probs, probs.topk(2, -1).indices).backward()
    assert logits.grad.abs().sum() > 0


def test_uncertainty_loss_by_hand():
    variance = torch.tensor([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    indices = torch.tensor([[2], [0]])
    # E / N * (0.3 + 0.4)
    assert uncertainty_loss(variance, indices).item() == pytest.approx(
        3 / 2 * 0.7)
    assert uncertainty_loss(torch.zeros(2, 3), indices).item() == 0
