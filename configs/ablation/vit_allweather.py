# Table 1, baseline: dense ViT.
_base_ = [
    '../_base_/models/vit.py', '../_base_/datasets/allweather.py',
    '../_base_/schedules/schedule_200e.py', '../_base_/default_runtime.py'
]
