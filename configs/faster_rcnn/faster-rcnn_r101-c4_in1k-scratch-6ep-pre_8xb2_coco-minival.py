"""Faster R-CNN ResNet-101 C4 on COCO from the ImageNet scratch run after 6 epochs (paper Table 5: 25.9 mAP@[.5,.95];
150 epochs 34.5: the full run's checkpoint, epoch_125.pth here, through faster-rcnn_r101-c4_in1k-pre).

configs/imagenet/resnet101_8xb32_in1k-scratch.py keeps milestone_epoch_{3,6,12}.pth (ImagesSeenCheckpointHook):
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_in1k-scratch/milestone_epoch_6.pth checkpoints/resnet101_in1k-scratch-6ep_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_in1k-scratch-6ep-pre_8xb2_coco-minival.py 8
Cost:     3M images (187,500 iterations on 8 GPUs x 2).
The scratch run normalises its input by ImageNet's mean and std (RGB), as the in1k-pre parent does.
"""
_base_ = './faster-rcnn_r101-c4_in1k-pre_8xb2_coco-minival.py'
init_source = 'configs/imagenet/resnet101_8xb32_in1k-scratch.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_in1k-scratch-6ep_mmdet-c4.pth'))
