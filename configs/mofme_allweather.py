# MoFME (FME + UaR), 16 experts, top-2: Table 1 last row / Table 6.
_base_ = [
    './_base_/models/mofme.py', './_base_/datasets/allweather.py',
    './_base_/schedules/schedule_200e.py', './_base_/default_runtime.py'
]
