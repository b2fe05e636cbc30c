# MoFME: feature-modulated experts (16, top-2, gated pre-projection) and the
# uncertainty-aware router (M = 5 MC-dropout passes of the router, p = 0.1).
_base_ = ['./vit.py']
model = dict(
    network=dict(
        ffn_cfg=dict(type='fme', num_experts=16, top_k=2, gated=True),
        router_cfg=dict(
            type='uar',
            num_samples=5,
            dropout=0.1,
            renormalize=True,
            mc_at_test=False)))
