"""Faster R-CNN ResNet-101 C4 on COCO from the 300M run's checkpoint after 1.3 epochs (paper Table 4: 35.0 mAP@[.5,.95]
on minival*; 4 epochs, the full run, is faster-rcnn_r101-c4_jft300m-pre: 36.8).

The checkpoint is named by the images it saw, not by iteration (which depends on the GPU count): 1.3 epochs =
12M paper steps x 32 = 384M images, saved by the pretraining's ImagesSeenCheckpointHook as images_384M.pth:
    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_jft300m-299px/images_384M.pth checkpoints/resnet101_jft300m-images_384M_mmdet-c4.pth
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-1.3ep-pre_8xb2_coco-minival.py 8
Cost:     3M images (187,500 iterations on 8 GPUs x 2), as the 4-epoch run.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'

model = dict(init_cfg=dict(checkpoint='checkpoints/resnet101_jft300m-images_384M_mmdet-c4.pth'))
