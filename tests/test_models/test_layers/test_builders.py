"""Router and FFN-slot builders refuse config values of the wrong kind."""
import pytest

from mofme_mm.models.layers.builders import build_ffn, build_router


@pytest.mark.parametrize('router_cfg,field', [
    (dict(type='uar', dropout='high'), 'router_cfg.dropout must be a number'),
    (dict(type='uar', calibration_scale='1'),
     'router_cfg.calibration_scale must be a number'),
    (dict(type='uar', eps=None), 'router_cfg.eps must be a number'),
    (dict(type='topk', renormalize='no'),
     'router_cfg.renormalize must be True or False'),
    (dict(type='uar', mc_at_test=1), 'router_cfg.mc_at_test must be True'),
])
def test_router_fields_of_the_wrong_kind_are_named(router_cfg, field):
    with pytest.raises(ValueError, match=field):
        build_router(router_cfg, in_dims=8, num_experts=4, top_k=2)


@pytest.mark.parametrize('ffn_cfg,field', [
    (dict(type='fme', num_experts='four'), 'ffn_cfg.num_experts'),
    (dict(type='moe', num_experts=4, top_k='two'), 'ffn_cfg.top_k'),
    (dict(type='fme', gated='yes'), 'ffn_cfg.gated must be True or False'),
    (dict(type='dense', drop='0.1'), 'ffn_cfg.drop must be a number'),
])
def test_ffn_fields_of_the_wrong_kind_are_named(ffn_cfg, field):
    with pytest.raises(ValueError, match=field):
        build_ffn(ffn_cfg, None, embed_dims=8, hidden_dims=16)


def test_numbers_and_flags_of_the_right_kind_build():
    router = build_router(dict(type='uar', dropout=0.2, eps=1e-6,
                               renormalize=False), 8, 4, 2)
    assert router.dropout == 0.2 and not router.renormalize
    assert build_ffn(dict(type='fme', num_experts=4, top_k=2, gated=False),
                     None, 8, 16).num_experts == 4
