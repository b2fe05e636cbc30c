"""Build routers and FFN slots from config dicts (short or registered names)."""
from numbers import Real
from typing import Optional

from torch import nn

from mofme_mm.registry import MODELS

ROUTER_TYPES = {'topk': 'TopKRouter', 'uar': 'UncertaintyRouter'}
# config fields whose values must be numbers / True or False
NUMBER_FIELDS = ('dropout', 'eps', 'calibration_scale', 'drop')
FLAG_FIELDS = ('renormalize', 'mc_at_test', 'bias', 'gated', 'image_context')


def check_field_types(owner: str, cfg: dict) -> None:
    """Refuse, by name, config values of the wrong kind.

    ``--cfg-options`` turns ``dropout=high`` into the string ``'high'``,
    which would fail inside ``float()`` without naming the field, and
    ``renormalize=no`` into a (truthy) string.

    Args:
        owner (str): The config dict's name, e.g. ``'router_cfg'``.
        cfg (dict): Its fields.
    """
    for key in NUMBER_FIELDS:
        value = cfg.get(key)
        if key in cfg and (isinstance(value, bool)
                           or not isinstance(value, Real)):
            raise ValueError(f'{owner}.{key} must be a number, got '
                             f'{value!r} ({type(value).__name__}).')
    for key in FLAG_FIELDS:
        if key in cfg and not isinstance(cfg[key], bool):
            raise ValueError(f'{owner}.{key} must be True or False, got '
                             f'{cfg[key]!r} ({type(cfg[key]).__name__}).')


def build_router(router_cfg: Optional[dict], in_dims: int, num_experts: int,
                 top_k: int) -> nn.Module:
    """Build the router named by ``router_cfg['type']`` ('topk' or 'uar').

    Args:
        router_cfg (dict, optional): router config; ``None`` means top-k.
        in_dims (int): token dimension.
        num_experts (int): number of experts.
        top_k (int): experts per token.

    Returns:
        nn.Module: the router.
    """
    cfg = dict(router_cfg or dict(type='topk'))
    name = cfg.pop('type', 'topk')
    if name not in ROUTER_TYPES and name not in ROUTER_TYPES.values():
        raise ValueError(
            f"router_cfg.type must be one of {sorted(ROUTER_TYPES)}, got "
            f"'{name}'.")
    check_field_types('router_cfg', cfg)
    cfg.update(type=ROUTER_TYPES.get(name, name), in_dims=in_dims,
               num_experts=num_experts, top_k=top_k)
    return MODELS.build(cfg)


FFN_TYPES = {'dense': 'FFN', 'moe': 'MoEFFN', 'fme': 'FMEFFN'}


def build_ffn(ffn_cfg: Optional[dict], router_cfg: Optional[dict],
              embed_dims: int, hidden_dims: int) -> nn.Module:
    """Build the FFN slot of a transformer block.

    Args:
        ffn_cfg (dict, optional): ``type`` 'dense', 'moe' or 'fme'; for the
            expert types ``num_experts`` (default 16), ``top_k`` (default 2)
            and for 'fme' ``gated`` (default True). ``None`` means dense.
        router_cfg (dict, optional): router config for the expert types.
        embed_dims (int): token dimension D.
        hidden_dims (int): FFN hidden dimension.

    Returns:
        nn.Module: dense slots return a tensor, expert slots ``(y, aux)``.
    """
    cfg = dict(ffn_cfg or dict(type='dense'))
    name = cfg.pop('type', 'dense')
    if name not in FFN_TYPES and name not in FFN_TYPES.values():
        raise ValueError(
            f"ffn_cfg.type must be one of {sorted(FFN_TYPES)}, got '{name}'.")
    check_field_types('ffn_cfg', cfg)
    name = FFN_TYPES.get(name, name)
    cfg.update(type=name, embed_dims=embed_dims, hidden_dims=hidden_dims)
    if name == 'FFN':
        for key in ('num_experts', 'top_k', 'gated'):  # expert-only knobs
            cfg.pop(key, None)
        unknown = set(cfg) - {'type', 'embed_dims', 'hidden_dims', 'drop'}
        if unknown:
            raise ValueError(
                f'ffn_cfg keys {sorted(unknown)} do not apply to a dense FFN.')
        cfg['norm_layer'] = nn.LayerNorm
    else:
        cfg['router_cfg'] = router_cfg
    return MODELS.build(cfg)
