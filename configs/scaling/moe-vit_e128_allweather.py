# Table 2: classic MoE-ViT with 128 experts, top-2.
_base_ = [
    '../_base_/models/moe_vit.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
model = dict(network=dict(ffn_cfg=dict(num_experts=128, top_k=2)))
