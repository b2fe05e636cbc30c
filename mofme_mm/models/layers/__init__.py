from .attention import MultiheadSelfAttention
from .ffn import FFN
from .fme import FMEFFN
from .moe_ffn import MoEFFN
from .res_block import ResBlock
from .routing import RouterOutput
from .topk_router import TopKRouter
from .transformer_block import TransformerBlock
from .uncertainty_router import UncertaintyRouter

__all__ = [
    'FFN', 'FMEFFN', 'MoEFFN', 'MultiheadSelfAttention', 'ResBlock',
    'RouterOutput', 'TopKRouter', 'TransformerBlock', 'UncertaintyRouter'
]
