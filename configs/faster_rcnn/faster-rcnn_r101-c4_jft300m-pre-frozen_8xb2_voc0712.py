"""Faster R-CNN ResNet-101 C4 on PASCAL VOC 07+12 from JFT-300M weights, every layer before conv5 frozen (paper
Fig. 4 right: VOC07 test mAP@.5 against pretraining data size, fine-tuned and frozen; this is its 300M frozen point,
the 10M / 30M / 100M points are the -subset-pre-frozen leaves).

Checkpoint: as faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py.
Command:  bash tools/dist_train.sh configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre-frozen_8xb2_voc0712.py 8
Cost:     1.5M images (93,750 iterations on 8 GPUs x 2), no backbone gradients.
Schedule: the paper's frozen detection schedule (1.5M steps of one image, lr /10 at 900K; lr 4e-4), the only frozen
schedule and lr it gives (with its COCO runs), used here for VOC too.
"""
_base_ = './faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py'

paper_steps, paper_decay_steps = 1_500_000, 900_000  # = images

model = dict(backbone=dict(frozen_stages=3))  # stem + layer1-3 = conv1..conv4, all of the 3-stage backbone
optim_wrapper = dict(optimizer=dict(lr=4e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=8_000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=paper_steps, milestones=[paper_decay_steps], gamma=0.1),
]
train_cfg = dict(max_iters=paper_steps)
