"""ResNet-101 on ImageNet-1k from random init: the paper's ImageNet baseline (Table 1: 77.5 / 93.9 top-1/top-5).

Command:  bash tools/dist_train.sh configs/imagenet/resnet101_8xb32_in1k-scratch.py 8
Cost:     125 epochs x 1.28M images = 160M images.
Paper §4.1: momentum SGD 0.9, lr 5e-2 for a batch of 32, /10 every 30 epochs (1.2M steps), 5M steps in all
(asynchronous, 50 workers, 32 images each). One paper step = 32 images:
    5M steps x 32 = 160M images = 125 epochs of 1,281,167 images
    1.2M steps x 32 = 38.4M images = 30 epochs
Here: 8 GPUs x 32 = 256 per iteration, 5,005 iterations per epoch; the lr 5e-2 is for batch 32 and auto_scale_lr
makes it 0.4 at 256.
"""
_base_ = [
    'mmpretrain::_base_/models/resnet101.py',
    'mmpretrain::_base_/datasets/imagenet_bs32.py',
    '../_base_/default_runtime.py',
]

optim_wrapper = dict(optimizer=dict(type='SGD', lr=5e-2, momentum=0.9, weight_decay=1e-4))
param_scheduler = dict(type='StepLR', by_epoch=True, step_size=30, gamma=0.1)
train_cfg = dict(by_epoch=True, max_epochs=125, val_interval=5)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32, enable=True)
# Table 5 (ImageNet epochs): detection from this run's checkpoints after 3, 6 and 12 epochs (and the last one);
# milestone_epoch_{3,6,12}.pth are kept whatever the CheckpointHook rotates
default_hooks = dict(images_seen=dict(at_epochs=[3, 6, 12]))
