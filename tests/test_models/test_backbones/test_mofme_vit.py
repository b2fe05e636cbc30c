import pytest
import torch
import torch.nn.functional as F

from mofme_mm.models.backbones import MoFMEViT
from mofme_mm.registry import MODELS

TINY = dict(embed_dims=32, depth=2, num_heads=2, head_dims=16, patch_size=4,
            head_channels=8, tail_channels=8)


def tiny(ffn='fme', router='uar', **kwargs):
    return MoFMEViT(**TINY, ffn_cfg=dict(type=ffn, num_experts=4, top_k=2),
                    router_cfg=dict(type=router), **kwargs)


def test_odd_size_restored_to_same_size():
    torch.manual_seed(0)
    model = tiny()
    x = torch.rand(1, 3, 250, 333)
    y, aux = model(x)
    assert y.shape == (1, 3, 250, 333)
    assert len(aux['routing']) == 2
    # 250 x 333 pads to 252 x 336: 63 x 84 tokens
    assert aux['routing'][0]['weights'].shape == (1, 63 * 84, 2)
    # the crop is the top-left of the output of the reflection-padded input
    # (252 x 336), i.e. the image, not the padding
    model.eval()
    padded = F.pad(x, (0, 3, 0, 2), mode='reflect')
    with torch.no_grad():
        y, full = model(x)[0], model(padded)[0]
    assert full.shape == (1, 3, 252, 336)
    torch.testing.assert_close(y, full[..., :250, :333], atol=1e-5, rtol=0)
    assert (y - full[..., -250:, -333:]).abs().max() > 1e-3


@pytest.mark.parametrize('ffn,router,keys', [
    ('dense', 'topk', set()),
    ('moe', 'topk', {'loss_balance'}),
    ('moe', 'uar', {'loss_balance', 'loss_uncertainty'}),
    ('fme', 'topk', {'loss_balance'}),
    ('fme', 'uar', {'loss_balance', 'loss_uncertainty'}),
])
def test_aux_losses_per_type_and_training_step(ffn, router, keys):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='MoFMEViT', **TINY,
                              ffn_cfg=dict(type=ffn, num_experts=4, top_k=2),
                              router_cfg=dict(type=router)))
    model.train()
    x = torch.rand(3, 3, 16, 20)
    y, aux = model(x)
    assert y.shape == x.shape
    assert set(aux['losses']) == keys
    assert len(aux['routing']) == (0 if ffn == 'dense' else 2)
    for layer in aux['routing']:
        assert layer['indices'].shape == (3, 20, 2)
        assert layer['indices'].dtype == torch.long
    expected = {k: torch.stack([r['losses'][k] for r in aux['routing']]).mean()
                for k in keys}
    for key in keys:
        torch.testing.assert_close(aux['losses'][key], expected[key])
    loss = (y - x).abs().mean() + sum(aux['losses'].values())
    loss.backward()
    assert model.head[0].weight.grad.abs().sum() > 0
    if ffn != 'dense':
        assert model.blocks[0].ffn.router.proj.weight.grad.abs().sum() > 0


def test_eval_is_deterministic_with_uar():
    model = tiny().eval()
    x = torch.rand(2, 3, 12, 12)
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], model(x)[0], rtol=0, atol=0)


def test_batch_items_are_independent():
    model = tiny(router='topk').eval()
    x = torch.rand(2, 3, 12, 16)
    with torch.no_grad():
        both = model(x)[0]
        one = model(x[1:])[0]
    torch.testing.assert_close(both[1:], one, atol=1e-5, rtol=1e-5)


def test_bf16_autocast():
    torch.manual_seed(0)
    model = tiny()
    x = torch.rand(2, 3, 20, 20)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        y, aux = model(x)
        loss = y.float().mean() + aux['losses']['loss_balance']
    loss.backward()
    assert torch.isfinite(y.float()).all() and y.shape == x.shape
    model.eval()
    with torch.no_grad():
        ref = model(x)[0]
        with torch.autocast('cpu', dtype=torch.bfloat16):
            low = model(x)[0]
    torch.testing.assert_close(low.float(), ref, atol=0.05, rtol=0)


@pytest.mark.parametrize('kwargs,field', [
    (dict(ffn_cfg=dict(type='moe', num_experts=2, top_k=3)), 'top_k'),
    (dict(ffn_cfg=dict(type='fme', num_experts=0, top_k=1)), 'num_experts'),
    (dict(ffn_cfg=dict(type='conv')), 'ffn_cfg.type'),
    (dict(ffn_cfg=dict(type='moe'), router_cfg=dict(type='hash')),
     'router_cfg.type'),
    (dict(patch_size=0), 'patch_size'),
])
def test_bad_configs_name_the_field(kwargs, field):
    cfg = dict(TINY, **kwargs)
    with pytest.raises(ValueError, match=field):
        MoFMEViT(**cfg)


def test_bad_input_shape():
    with pytest.raises(ValueError, match='B, 3, H, W'):
        tiny()(torch.rand(1, 1, 8, 8))


def test_paper_sizes_parameter_counts():
    dense = MoFMEViT()
    fme = MoFMEViT(ffn_cfg=dict(type='fme', num_experts=16, top_k=2))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    # paper: 8.71M and 18.53M, counting the reference's dead 900 x 384
    # positional embedding, which this network does not have
    assert count(dense) + 900 * 384 == pytest.approx(8.71e6, rel=0.01)
    assert count(fme) == pytest.approx(18.53e6, rel=0.05)
    assert count(fme) + 900 * 384 == pytest.approx(18.53e6, rel=0.05)


@pytest.mark.parametrize('field,value', [
    ('depth', 'two'), ('embed_dims', 2.5), ('num_heads', None),
    ('patch_size', True), ('mlp_ratio', 'wide'), ('mlp_ratio', 0),
    ('head_channels', -1), ('residual', 'yes'), ('head_skip', 1),
    ('to_image', 'deconv'),
])
def test_wrong_kind_of_value_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        MoFMEViT(**dict(TINY, **{field: value}))


def _zero_last_conv(model):
    last = [m for m in model.tail if isinstance(m, torch.nn.Conv2d)][-1]
    torch.nn.init.zeros_(last.weight)
    torch.nn.init.zeros_(last.bias)
    return last


def test_paper_default_is_a_sigmoid_output_without_skips():
    model = tiny().eval()
    assert isinstance(model.tail[-1], torch.nn.Sigmoid)
    assert isinstance(model.to_image, torch.nn.Linear)
    assert model.head_skip is None
    _zero_last_conv(model)
    with torch.no_grad():
        y = model(torch.rand(1, 3, 12, 16))[0]
    torch.testing.assert_close(y, torch.full_like(y, 0.5))


@pytest.mark.parametrize('residual', [True, 'add', 'affine'])
def test_residual_output_is_input_plus_correction(residual):
    torch.manual_seed(0)
    model = tiny(residual=residual, head_skip=True, to_image='upsample')
    last = _zero_last_conv(model)
    x = torch.rand(2, 3, 12, 18)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(x)[0], x)  # zero correction
        last.bias[-3:] = 0.75  # the offset channels (all of 'add')
        y_eval = model(x)[0]
    model.train()
    y_train = model(x)[0]
    torch.testing.assert_close(y_train, x + 0.75)  # unclamped in training
    assert y_train.max() > 1
    torch.testing.assert_close(y_eval, (x + 0.75).clamp(0, 1))


def test_gradients_reach_the_head_through_both_paths():
    torch.manual_seed(0)
    model = tiny(residual=True, head_skip=True, to_image='upsample').train()
    y = model(torch.rand(2, 3, 12, 16))[0]
    y.square().mean().backward()
    for param in (model.head[0].weight, model.head_skip.weight,
                  model.patch_embed.weight, model.to_image.weight):
        assert param.grad.abs().sum() > 0


def test_affine_residual_gain():
    model = tiny(residual='affine').eval()
    last = _zero_last_conv(model)
    assert last.out_channels == 6
    x = torch.rand(1, 3, 8, 8) * 0.5
    with torch.no_grad():
        last.bias[:3] = 0.5  # gain 1.5
        torch.testing.assert_close(model(x)[0], 1.5 * x)


@pytest.mark.parametrize('to_image', ['linear', 'conv', 'upsample'])
def test_token_to_image_layers(to_image):
    torch.manual_seed(0)
    model = tiny(to_image=to_image, residual=True).eval()
    p, c = model.patch_size, model.tail_channels
    tokens = torch.randn(1, 1, TINY['embed_dims']).expand(1, 12, -1)
    with torch.no_grad():
        image = model._tokens_to_image(tokens, 3, 4)  # equal tokens
        y = model(torch.rand(2, 3, 13, 15))[0]
    assert image.shape == (1, c, 3 * p, 4 * p)
    assert y.shape == (2, 3, 13, 15)
    patch = image[..., :p, :p]
    # the paper's layer stamps the same p x p pattern from every token (the
    # source of the patch grid); bilinear upsampling of equal tokens is flat
    if to_image == 'linear':
        torch.testing.assert_close(image, patch.repeat(1, 1, 3, 4))
        assert patch.std() > 1e-3
    if to_image == 'upsample':
        torch.testing.assert_close(image, image[..., :1, :1].expand_as(image))
