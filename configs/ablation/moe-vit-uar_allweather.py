# Table 1, MoE + UaR: 16 FFN experts, top-2, uncertainty-aware router.
_base_ = [
    '../_base_/models/moe_vit.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
model = dict(
    network=dict(
        router_cfg=dict(
            _delete_=True, type='uar', num_samples=5, dropout=0.1)))
