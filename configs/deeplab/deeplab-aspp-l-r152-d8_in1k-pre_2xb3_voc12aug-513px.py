"""DeepLab-ASPP-L ResNet-152 on VOC 2012 from ImageNet weights (the depth study's baseline).

torchvision's IMAGENET1K_V1 ResNet-152, converted by tools/model_converters/torchvision_to_mmpretrain.py then
    python tools/model_converters/mmjft_to_downstream.py --target mmseg \\
        checkpoints/resnet152_torchvision-in1k_mmpretrain.pth checkpoints/resnet152_in1k_mmseg.pth
Command:  bash tools/dist_train.sh configs/deeplab/deeplab-aspp-l-r152-d8_in1k-pre_2xb3_voc12aug-513px.py 2
Cost:     30,000 iterations x 6 images = 180K images (ResNet-101's recipe).
"""
_base_ = './deeplab-aspp-l-r101-d8_in1k-pre_2xb3_voc12aug-513px.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet152_in1k_mmseg.pth'), backbone=dict(depth=152))
