"""A narrow ResNet-18 (16 base channels) on the generated mini-JFT: the whole pretraining path on a CPU in minutes.

Data:     python tools/dataset_converters/make_mini_jft.py data/mini_jft
Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py
Evaluate: python tools/test.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py work_dirs/.../iter_600.pth
Cost:     19,200 images = 600 iterations x 32 images of 64 px on one process: 0.039 s per iteration (median;
          0.033-0.26) on an idle 2-core AMD EPYC, 64 s for training with its two evaluations; data, stats, train
          and test 1m25s. mAP@100 on the 200 held-out images 0.699 (uniform 0.335; random scores: ~0.35).
          Measured 2026-11-27 (the main job of that time); the mini-paper study trains it at 125-1,000 images.
Same recipe as the JFT configs (RMSpropTF, sigmoid head over ancestor-expanded labels, [-1, 1] input, resize then
random crop and flip) scaled down: 72 -> 64 px crops instead of 340 -> 299, the lr raised for a short run.
"""
_base_ = [
    '../_base_/models/resnet101_jft.py',
    '../_base_/datasets/mini_jft_64px.py',
    '../_base_/schedules/jft300m_rmsprop_36m-steps.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(depth=18, stem_channels=16, base_channels=16),
    head=dict(num_classes=73, in_channels=128, prior_prob=0.05))  # mini-JFT's 73 classes

optim_wrapper = dict(optimizer=dict(lr=1e-2))
# counts in images, as in the JFT schedule (auto_scale_schedule): on 1 process x 32 images, lr x0.5 every 200
# iterations, 600 iterations, evaluation and checkpoint at 300 and 600
param_scheduler = dict(step_size=6_400, gamma=0.5)
train_cfg = dict(max_iters=19_200, val_interval=9_600)
auto_scale_lr = dict(enable=False)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(by_epoch=False, interval=9_600, max_keep_ckpts=2))
randomness = dict(seed=0)
