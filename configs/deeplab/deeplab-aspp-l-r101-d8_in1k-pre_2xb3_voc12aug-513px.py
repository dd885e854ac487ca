"""DeepLab-ASPP-L ResNet-101 on PASCAL VOC 2012 from ImageNet weights (paper Fig. 6 'ImageNet': 73.6 mIoU on val).

Needs an ImageNet ResNet-101 for mmseg. Default, a shortcut: torchvision's IMAGENET1K_V1 weights (77.4% top-1, close
to the paper's 77.5%), converted twice:
    python tools/model_converters/torchvision_to_mmpretrain.py resnet101-63fe2227.pth \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth
    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth checkpoints/resnet101_in1k_mmseg.pth
The faithful baseline is configs/imagenet/resnet101_8xb32_in1k-scratch.py's checkpoint, converted once the same way.
A result of this config says which of the two it started from.
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r101-d8_in1k-pre_2xb3_voc12aug-513px.py 2
Cost:     as the JFT-300M run: 30,000 iterations x 6 images = 180K images.
torchvision's weights were trained on RGB input normalised by ImageNet's mean and std, so this model is too.
"""
_base_ = './deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'
init_source = 'torchvision'

model = dict(
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    init_cfg=dict(checkpoint='checkpoints/resnet101_in1k_mmseg.pth'))
