# The MoFME restorer in front of a detector, for the *_mofme_* detection
# configs (each is its weathered twin plus this piece): mmdet's
# DetDataPreprocessor with MoFME trained on RainCityscapes + Foggy
# Cityscapes (a config shipped with mofme_mm, configs/mofme_raincityscapes.py,
# found from any directory) restoring every batch first, frozen, its
# checkpoint loaded strictly. restorer_checkpoint=None: the weights must come
# from the detector checkpoint (data_preprocessor.restorer.*); without them
# the run is refused (model.data_preprocessor.untrained_restorer=True allows
# random restorer weights, for smoke tests). Set it with --cfg-options
# restorer_checkpoint=MOFME_CHECKPOINT (our tools) or
# model.data_preprocessor.restorer_checkpoint=... (mmdet's tools).
restorer_config = 'mofme_mm::mofme_raincityscapes.py'
restorer_checkpoint = None
mofme_det_preprocessor = dict(
    type='mofme_mm.DeweatherDetDataPreprocessor',
    restorer=restorer_config,
    restorer_checkpoint=restorer_checkpoint,
    trainable=False)
