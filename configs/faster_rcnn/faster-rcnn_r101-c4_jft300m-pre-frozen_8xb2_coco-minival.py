"""Faster R-CNN ResNet-101 C4 on COCO from JFT-300M weights with every layer before conv5 frozen (paper Fig. 4).

The data-size study (10M / 30M / 100M / 300M) runs both fine-tuning and this frozen variant: conv1..conv4 (the whole
3-stage backbone) keep their pretrained weights; the RPN, conv5 (the RoI head) and the box predictor train.
Checkpoint: as faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py (a data-size subset: point init_cfg at it).
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre-frozen_8xb2_coco-minival.py 8
Cost:     1.5M images (93,750 iterations on 8 GPUs x 2), no backbone gradients.
Paper: lr decay at 900K steps, 1.5M steps in all (lr as fine-tuning, 4e-4); one step = one image. Counts in images
(auto_scale_schedule); on 8 GPUs x 2: 900,000 / 16 = 56,250 iterations at the decay, 1,500,000 / 16 = 93,750 in all.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'

paper_steps, paper_decay_steps = 1_500_000, 900_000  # = images

model = dict(backbone=dict(frozen_stages=3))  # stem + layer1-3 = conv1..conv4, all of the 3-stage backbone
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=8_000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=paper_steps, milestones=[paper_decay_steps], gamma=0.1),
]
train_cfg = dict(max_iters=paper_steps)
