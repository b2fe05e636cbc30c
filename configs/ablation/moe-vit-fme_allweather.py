# Table 1, MoE + FME: 16 feature-modulated experts, top-2, plain router.
_base_ = [
    '../_base_/models/mofme.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
model = dict(network=dict(router_cfg=dict(_delete_=True, type='topk')))
