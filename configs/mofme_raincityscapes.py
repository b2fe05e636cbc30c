# MoFME (feature-modulated experts + uncertainty-aware router), 16 experts,
# top-4 (paper Table 3), trained on RainCityscapes + Foggy Cityscapes together
# and tested on each (derain: rain/PSNR, rain/SSIM; dehaze: fog/PSNR, ...),
# next to the PSNR / SSIM of the un-restored inputs (input_PSNR, ...).
#   python tools/train.py configs/mofme_raincityscapes.py
#   python tools/test.py configs/mofme_raincityscapes.py CHECKPOINT
# Data: data/cityscapes with leftImg8bit, leftImg8bit_rain, leftImg8bit_foggy
# (elsewhere: the error of tools/train.py names the --cfg-options keys).
_base_ = [
    './_base_/models/mofme.py',
    './_base_/datasets/rain_fog_cityscapes.py',
    './_base_/schedules/schedule_200e.py',
    './_base_/default_runtime.py',
]

model = dict(
    network=dict(ffn_cfg=dict(num_experts=16, top_k=4)),
    # the paper's loss: MSE + 1e-2 x load balance + 5e-3 x uncertainty
    pixel_loss=dict(type='MSELoss'),
    balance_loss_weight=1e-2,
    uncertainty_loss_weight=5e-3,
    # the paper's test protocol: non-overlapping 256 x 256 crops
    test_cfg=dict(mode='tile', tile_size=256, tile_overlap=0,
                  tile_batch_size=8),
)
