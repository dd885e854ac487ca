"""ResNet-50 on ImageNet-1k from random init, the ResNet-101 baseline's recipe (capacity study, paper Fig. 5: the paper
trains its own ImageNet baselines; torchvision's V1 weights are the shortcut, this the faithful one).

Command:  bash tools/dist_train.sh configs/imagenet/resnet50_8xb32_in1k-scratch.py 8
Cost:     125 epochs x 1.28M images = 160M images, ~2x the ResNet-101 throughput.
Detection from it: convert work_dirs/resnet50_8xb32_in1k-scratch/epoch_125.pth with
tools/model_converters/mmjft_to_downstream.py into checkpoints/resnet50_in1k_mmdet-c4.pth (the in1k-pre configs).
"""
_base_ = './resnet101_8xb32_in1k-scratch.py'

model = dict(backbone=dict(depth=50))
