# Table 1, MoE: 16 FFN experts, top-2, plain router.
_base_ = [
    '../_base_/models/moe_vit.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
