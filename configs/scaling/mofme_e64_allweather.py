# Table 2: MoFME (FME + UaR) with 64 experts, top-2.
_base_ = [
    '../_base_/models/mofme.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
model = dict(network=dict(ffn_cfg=dict(num_experts=64, top_k=2)))
