# Classic MoE-ViT: every FFN is 16 pre-LN FFN experts behind a top-2 router.
_base_ = ['./vit.py']
model = dict(
    network=dict(
        ffn_cfg=dict(type='moe', num_experts=16, top_k=2),
        router_cfg=dict(type='topk', renormalize=True)))
