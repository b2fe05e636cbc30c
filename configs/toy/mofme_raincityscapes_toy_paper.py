# mofme_raincityscapes_toy.py with the paper's network and loss: no global
# residual (Sigmoid output), no head-to-tail skip, tokens unfolded into
# patches by a Linear layer, MSE task loss. The baseline of the measurements
# in docs/restorer_quality.md (it blurs and leaves a patch grid):
#   python tools/train.py configs/toy/mofme_raincityscapes_toy_paper.py
_base_ = ['./mofme_raincityscapes_toy.py']

model = dict(
    network=dict(residual=False, head_skip=False, to_image='linear'),
    pixel_loss=dict(_delete_=True, type='MSELoss'))
