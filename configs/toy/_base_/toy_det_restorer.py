# The frozen toy MoFME restorer in front of a toy detector: mmdet's
# DetDataPreprocessor with configs/toy/mofme_toy_demo_restorer.py (shipped
# with mofme_mm) restoring every batch first. Shared by the toy detectors'
# *_mofme.py configs, which set `model = dict(data_preprocessor=
# _base_.toy_det_restorer_preprocessor)`. The restorer's weights:
# --cfg-options restorer_checkpoint=CKPT (our tools; mmdet's:
# model.data_preprocessor.restorer_checkpoint=CKPT), or a detector
# checkpoint that carries data_preprocessor.restorer.* weights; without
# either the run is refused (the restorer would be random).
restorer_config = 'mofme_mm::toy/mofme_toy_demo_restorer.py'
restorer_checkpoint = None
toy_det_restorer_preprocessor = dict(
    type='mofme_mm.DeweatherDetDataPreprocessor',
    restorer=restorer_config,
    restorer_checkpoint=restorer_checkpoint)
