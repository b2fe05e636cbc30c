import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

from mofme_mm.models.layers import FMEFFN, MoEFFN, sparse_dispatch
from mofme_mm.models.layers.sparse_dispatch import (
    combine,
    dense_routing_matrix,
    group_by_expert,
    grouped_linear,
)

CASES = [(e, k) for e in (1, 4, 16, 128) for k in (1, 2, 4) if k <= e]


def _grads(layer, x, path):
    y, aux = path(x)
    g = torch.linspace(-1, 1, y.numel()).reshape(y.shape)
    params = [x] + list(layer.parameters())
    grads = torch.autograd.grad((y * g).sum(), params, allow_unused=True)
    return y, aux, [torch.zeros_like(p) if d is None else d
                    for p, d in zip(params, grads)]


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
@pytest.mark.parametrize('num_experts,top_k', CASES)
def test_sparse_equals_dense(cls, num_experts, top_k, product_path):
    torch.manual_seed(num_experts * 10 + top_k)
    layer = cls(16, 24, num_experts=num_experts, top_k=top_k)
    x = torch.randn(2, 7, 16, requires_grad=True)
    y_s, aux_s, g_s = _grads(layer, x, layer.forward)
    y_d, aux_d, g_d = _grads(layer, x, layer.forward_dense)
    assert torch.equal(aux_s['indices'], aux_d['indices'])
    torch.testing.assert_close(y_s, y_d, atol=1e-5, rtol=1e-5)
    for a, b in zip(g_s, g_d):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    used = torch.unique(aux_s['indices'])
    if num_experts == 128:  # 14 tokens x k < 128: most experts get nothing
        assert used.numel() < num_experts


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
def test_sparse_equals_dense_with_uncertainty_router(cls):
    torch.manual_seed(0)
    layer = cls(16, 24, num_experts=8, top_k=2,
                router_cfg=dict(type='uar', dropout=0.3, num_samples=5))
    layer.train()
    x = torch.randn(2, 7, 16, requires_grad=True)
    torch.manual_seed(1)  # the same Monte-Carlo dropout masks for both paths
    y_s, aux_s, g_s = _grads(layer, x, layer.forward)
    torch.manual_seed(1)
    y_d, aux_d, g_d = _grads(layer, x, layer.forward_dense)
    assert torch.equal(aux_s['indices'], aux_d['indices'])
    torch.testing.assert_close(y_s, y_d, atol=1e-5, rtol=1e-5)
    for a, b in zip(g_s, g_d):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
def test_sparse_equals_dense_under_bf16_autocast(cls, product_path):
    torch.manual_seed(0)
    layer = cls(16, 24, num_experts=16, top_k=2)
    x = torch.randn(2, 7, 16)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        y_s, aux_s = layer(x)
        y_d, aux_d = layer.forward_dense(x)
    assert torch.equal(aux_s['indices'], aux_d['indices'])
    torch.testing.assert_close(y_s.float(), y_d.float(), atol=5e-2, rtol=5e-2)
    y_s.float().sum().backward()
    assert all(p.grad is None or p.grad.dtype == p.dtype
               for p in layer.parameters())


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
def test_gradients_reach_selected_experts_only(cls):
    torch.manual_seed(0)
    layer = cls(8, 16, num_experts=16, top_k=2)
    x = torch.randn(1, 5, 8)
    y, aux = layer(x)
    y.square().sum().backward()
    used = set(torch.unique(aux['indices']).tolist())
    assert len(used) < 16
    expert_params = ([layer.w1, layer.b1, layer.w2, layer.b2]
                     if cls is MoEFFN else [layer.weight, layer.bias])
    for p in expert_params:
        for e in range(16):
            if e in used:
                assert p.grad[e].abs().sum() > 0
            else:
                assert torch.count_nonzero(p.grad[e]) == 0
    assert layer.router.proj.weight.grad.abs().sum() > 0


def test_one_expert_moe_is_a_plain_ffn():
    torch.manual_seed(0)
    layer = MoEFFN(8, 16, num_experts=1, top_k=1)
    x = torch.randn(2, 3, 8)
    y, _ = layer(x)
    xn = layer.norm(x)
    ref = torch.nn.functional.gelu(xn @ layer.w1[0] + layer.b1[0])
    ref = ref @ layer.w2[0] + layer.b2[0]
    torch.testing.assert_close(y, ref)


def test_group_by_expert_sorts_and_counts():
    indices = torch.tensor([[3, 0], [0, 2], [3, 1]])
    weights = torch.tensor([[0.6, 0.4], [0.7, 0.3], [0.9, 0.1]])
    groups = group_by_expert(weights, indices, num_experts=5)
    assert groups.ends.tolist() == [2, 3, 4, 6, 6]
    assert groups.token_index.tolist() == [0, 1, 2, 1, 0, 2]
    assert groups.expert.tolist() == [0, 0, 1, 2, 3, 3]
    assert groups.weights.tolist() == pytest.approx([0.4, 0.7, 0.1, 0.3, 0.6,
                                                     0.9])
    # position inverts the sort: sorted row of (token, slot)
    assert groups.position.tolist() == [[4, 0], [1, 3], [5, 2]]
    values = torch.arange(6.0).unsqueeze(1)
    assert combine(values, groups).squeeze(1).tolist() == [4.0, 4.0, 7.0]
    assert combine(values, groups, weights).squeeze(1).tolist() == \
        pytest.approx([0.6 * 4, 0.7 * 1 + 0.3 * 3, 0.9 * 5 + 0.1 * 2])
    dense = dense_routing_matrix(weights, indices, 5)
    assert dense[0].tolist() == pytest.approx([0.4, 0, 0, 0.6, 0])


def test_group_by_expert_keeps_token_order_within_an_expert():
    torch.manual_seed(0)
    indices = torch.randint(0, 3, (50, 2))
    groups = group_by_expert(torch.rand(50, 2), indices, 3)
    order = torch.argsort(indices.reshape(-1), stable=True)
    assert torch.equal(groups.token_index, order // 2)


def _groups(counts, top_k=1):
    """Groups of ``sum(counts)`` one-slot tokens with these expert counts."""
    indices = torch.repeat_interleave(torch.arange(len(counts)),
                                      torch.tensor(counts))
    indices = indices[torch.randperm(len(indices))].reshape(-1, top_k)
    return group_by_expert(torch.ones(indices.shape), indices, len(counts))


@pytest.fixture(params=['grouped_mm', 'loop'])
def product_path(request, monkeypatch):
    """Run the test with F.grouped_mm and with the per-expert loop."""
    if request.param == 'loop':
        monkeypatch.setattr(sparse_dispatch, '_grouped_mm_supported',
                            lambda x, weight: False)
    return request.param


def test_grouped_linear_matches_per_expert_products_and_bf16(product_path):
    torch.manual_seed(0)
    weight = torch.randn(4, 8, 12, requires_grad=True)
    bias = torch.randn(4, 12, requires_grad=True)
    groups = _groups([3, 0, 2, 1])
    x = torch.randn(6, 8, requires_grad=True)
    assert sparse_dispatch._grouped_mm_supported(x, weight) == (
        product_path == 'grouped_mm')
    out = grouped_linear(x, weight, bias, groups)
    ref = torch.cat([x[:3] @ weight[0] + bias[0], x[3:5] @ weight[2] + bias[2],
                     x[5:] @ weight[3] + bias[3]])
    torch.testing.assert_close(out, ref)
    out.sum().backward()
    assert torch.count_nonzero(weight.grad[1]) == 0
    torch.testing.assert_close(weight.grad[0], x[:3].t() @ torch.ones(3, 12))
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out16 = grouped_linear(x, weight, bias, groups)
    assert out16.dtype == torch.bfloat16
    out16.float().sum().backward()
    assert weight.grad.dtype == torch.float32
    torch.testing.assert_close(out16.float(), ref, atol=0.2, rtol=0.05)


def test_grouped_mm_needs_aligned_rows():
    x, weight = torch.randn(4, 6), torch.randn(2, 6, 8)  # 24-byte rows
    assert not sparse_dispatch._grouped_mm_supported(x, weight)
    assert sparse_dispatch._grouped_mm_supported(x[:, :4].contiguous(),
                                                 weight[:, :4].contiguous())
    assert not sparse_dispatch._grouped_mm_supported(x.half(), weight.half())
    # unaligned rows still work, through the per-expert loop
    groups = _groups([1, 3])
    torch.testing.assert_close(
        grouped_linear(x, weight, None, groups),
        torch.cat([x[:1] @ weight[0], x[1:] @ weight[1]]))


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
def test_sparse_path_never_syncs_with_the_host(cls, monkeypatch):
    """No ``.item()`` (aten._local_scalar_dense) or ``.tolist()`` on the
    grouped_mm path: on a GPU that would stall the stream every layer."""

    def no_tolist(self):
        raise AssertionError('tolist() called: a host sync')

    monkeypatch.setattr(torch.Tensor, 'tolist', no_tolist)
    layer = cls(16, 32, num_experts=8, top_k=2).eval()
    with torch.no_grad(), _RecordOps() as ops:
        layer(torch.randn(2, 5, 16))
    assert 'aten._grouped_mm.default' in ops
    assert not [op for op in ops if 'local_scalar_dense' in op]


class _RecordOps(TorchDispatchMode):
    """Record the names of the aten ops that run."""

    def __enter__(self):
        self.ops = []
        super().__enter__()
        return self.ops

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.append(str(func))
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize('cls', [MoEFFN, FMEFFN])
def test_exported_layer_is_right_for_new_inputs(cls):
    """torch.export keeps the grouping symbolic: an input of another size
    with other routing gives the eager result (a trace that baked in the
    expert counts of the example would not)."""
    torch.manual_seed(0)
    layer = cls(16, 32, num_experts=6, top_k=2).eval()

    class ImageOnly(torch.nn.Module):

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x)[0]

    tokens = torch.export.Dim('tokens', min=2, max=1024)
    program = torch.export.export(ImageOnly(layer), (torch.randn(1, 9, 16), ),
                                  dynamic_shapes=({1: tokens}, ))
    for num in (9, 31, 2):
        x = torch.randn(1, num, 16) * 3
        with torch.no_grad():
            torch.testing.assert_close(program.module()(x), layer(x)[0],
                                       atol=1e-5, rtol=1e-5)
    # all tokens on the same two experts: the other blocks are empty
    x = torch.randn(1, 1, 16).expand(1, 12, 16).contiguous()
    with torch.no_grad():
        torch.testing.assert_close(program.module()(x), layer(x)[0],
                                   atol=1e-5, rtol=1e-5)
