# The clean-trained toy FCN tested on MoFME-RESTORED toy val frames: the
# restorer sits in the data preprocessor (frozen), in front of the usual
# normalisation. Set the restorer checkpoint on the command line:
#   tools/test.py THIS_CONFIG SEG_CKPT --cfg-options restorer_checkpoint=CKPT
# (any tool: model.data_preprocessor.restorer_checkpoint=CKPT), or test a
# segmentor checkpoint that carries data_preprocessor.restorer.* weights
# (tools/train.py on this config saves them; tools/demo.py merges them).
# Without either the run is refused: the restorer would be random.
_base_ = ['./seg_fcn_toy_cityscapes_weather.py']

# configs/toy/mofme_toy_demo_restorer.py, shipped with mofme_mm
restorer_config = 'mofme_mm::toy/mofme_toy_demo_restorer.py'
restorer_checkpoint = None
model = dict(
    data_preprocessor=dict(
        type='mofme_mm.DeweatherSegDataPreProcessor',
        restorer=restorer_config,
        restorer_checkpoint=restorer_checkpoint))
