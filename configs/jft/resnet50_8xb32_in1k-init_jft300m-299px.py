"""ResNet-50 on JFT-300M initialised from an ImageNet checkpoint ('ImageNet+300M' in the paper).

Needs torchvision's ImageNet weights in mmpretrain's key layout:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet50-0676ba61.pth \
        checkpoints/resnet50_torchvision-in1k_mmpretrain.pth
Command:  bash tools/dist_train.sh configs/jft/resnet50_8xb32_in1k-init_jft300m-299px.py 8
Cost:     as the random-init run (1.152B images). ImageNet init leads for the first ~15M paper steps, then is on
          par (paper Fig. 3). torchvision's weights were trained on mean/std-normalised input; the run keeps the
          JFT [-1, 1] input and lets batch norm adapt, as the paper fine-tunes one recipe for both inits.
Init:     mmjft.StrictPretrained (mmjft/models/utils/strict_pretrained_init.py) fills every backbone tensor from the
          checkpoint or stops, naming what does not fit (another depth's weights are an error, not a warning).
"""
_base_ = './resnet50_8xb32_jft300m-299px.py'

model = dict(
    backbone=dict(
        init_cfg=dict(
            type='mmjft.StrictPretrained', prefix='backbone',  # every backbone tensor, or an error
            checkpoint='checkpoints/resnet50_torchvision-in1k_mmpretrain.pth')))
