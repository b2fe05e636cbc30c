import pytest
import torch

from mofme_mm.models.layers.moe_losses import load_balance_loss, uncertainty_loss


@pytest.mark.parametrize('num_experts,top_k', [(4, 1), (8, 2), (16, 2)])
def test_balanced_router_scores_the_minimum_collapsed_scores_more(
        num_experts, top_k):
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
