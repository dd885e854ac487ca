"""G-RMI top-down pose, ResNet-101 at output stride 8, from ImageNet weights (paper Table 7 'ImageNet': COCO test-dev
AP 62.4, AP@.5 84.0, AR 66.7, AR@.5 86.6).

Needs an ImageNet ResNet-101 for mmpose. Default, a shortcut: torchvision's IMAGENET1K_V1 weights (77.4% top-1,
close to the paper's 77.5%), converted twice:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet101-63fe2227.pth \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth
    python tools/model_converters/mmjft_to_downstream.py --target mmpose \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth checkpoints/resnet101_in1k_mmpose.pth
The faithful baseline is configs/imagenet/resnet101_8xb32_in1k-scratch.py's checkpoint, converted once the same way.
torchvision's weights were trained on RGB input normalised by ImageNet's mean and std, so this model is too (the
strict initializer checks it against the checkpoint's record).
Person boxes: as the JFT-300M config (configs/pose/README.md).
Command:  bash tools/dist_train.sh configs/pose/grmi-r101-d8_in1k-pre_8xb4_coco-353x257.py 8
Cost:     as the JFT-300M run: 450,000 iterations x 32 crops.
"""
_base_ = ['./grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py']
init_source = 'torchvision'

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet101_in1k_mmpose.pth'),
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True))
