"""``router_cfg.image_context``: routing on the token and its image's mean."""
import pytest
import torch

from mofme_mm.models.layers import TopKRouter, UncertaintyRouter
from mofme_mm.models.layers.builders import build_router

ROUTERS = [TopKRouter, UncertaintyRouter]


@pytest.mark.parametrize('router_type', ROUTERS)
def test_logits_see_the_token_and_the_mean_token_of_its_image(router_type):
    torch.manual_seed(0)
    router = router_type(8, num_experts=4, top_k=2, image_context=True).eval()
    assert router.proj.in_features == 16
    x = torch.randn(2, 5, 8)
    inputs = torch.cat([x, x.mean(1, keepdim=True).expand(-1, 5, -1)], -1)
    torch.testing.assert_close(router(x).logits, router.proj(inputs))


@pytest.mark.parametrize('router_type', ROUTERS)
def test_other_tokens_of_the_image_change_a_tokens_logits(router_type):
    torch.manual_seed(0)
    x = torch.randn(1, 6, 8)
    changed = x.clone()
    changed[0, 1:] += 3.0  # every token but the first
    for context in (False, True):
        router = router_type(8, num_experts=4, image_context=context).eval()
        moved = not torch.allclose(router(x).logits[0, 0],
                                   router(changed).logits[0, 0])
        assert moved == context


@pytest.mark.parametrize('router_type', ROUTERS)
def test_batch_mates_do_not_change_an_images_routing(router_type):
    torch.manual_seed(0)
    router = router_type(8, num_experts=4, image_context=True).eval()
    x = torch.randn(3, 5, 8)
    alone = router(x[:1]).logits
    torch.testing.assert_close(router(x).logits[:1], alone)


def test_uncertainty_map_input_gets_the_same_context():
    torch.manual_seed(0)
    router = UncertaintyRouter(8, num_experts=4, image_context=True,
                               dropout=0.3)
    spread = router.routing_uncertainty(torch.randn(2, 5, 8))
    assert spread.shape == (2, 5) and (spread > 0).all()


@pytest.mark.parametrize('router_type', ROUTERS)
def test_tokens_without_an_image_axis_are_refused(router_type):
    router = router_type(8, num_experts=4, image_context=True)
    with pytest.raises(ValueError, match=r'image_context.*\(B, N, D\)'):
        router(torch.randn(5, 8))


def test_non_boolean_flag_is_refused_by_name():
    with pytest.raises(ValueError, match='router_cfg.image_context'):
        build_router(dict(type='uar', image_context='yes'), 8, 4, 2)
