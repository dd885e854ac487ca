"""The pose recipe scaled down: G-RMI (disk + offset head, voting) on a ResNet-18 at output stride 8, on generated
mini keypoint data (the mini detection scenes' blue squares: 4 corners + centre, category id 1), from mini-JFT
weights, on CPU; person boxes from a COCO results file.

The mini-JFT run uses a full-width ResNet-18 (as the mini detection config):
    python tools/dataset_converters/make_mini_jft.py data/mini_jft
    python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py --work-dir work_dirs/mini-jft_r18 \\
        --cfg-options model.backbone.stem_channels=64 model.backbone.base_channels=64 model.head.in_channels=512
    python tools/model_converters/mmjft_to_downstream.py --target mmpose work_dirs/mini-jft_r18/iter_600.pth \\
        checkpoints/resnet18_mini-jft_mmpose.pth
Data:     python tools/dataset_converters/make_mini_detection.py data/mini_keypoints --format coco-keypoints
Boxes:    a COCO results file of the val images (data/mini_keypoints/val.bbox.json; configs/pose/README.md: from the
          person-only mini detector, tools/test.py ... --out-prefix data/mini_keypoints/val)
Command:  python tools/train.py configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py
Evaluate: python tools/test.py configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py CKPT
Cost:     1,000 iterations x 8 crops of 129 px; CPU seconds per iteration in configs/pose/README.md.
G-RMI's geometry at about half size: 129 x 129 crops of the square boxes (x 1.25), output stride 8 (17 x 17 grid),
R = 12.5 px (G-RMI's 25 px in 257-px-wide crops), K = 5 with the mini skeleton and sigmas
(configs/_base_/datasets/mini_keypoints_info.py).
"""
_base_ = [
    '../_base_/models/grmi_r101-d8_jft.py',
    '../_base_/datasets/mini_keypoints_129px.py',
    '../_base_/schedules/grmi_coco_450k-steps.py',
]
init_source = 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py'
codec = _base_.target_codec  # the head decodes what the data base's targets encode

model = dict(
    init_cfg=dict(checkpoint='checkpoints/resnet18_mini-jft_mmpose.pth'),
    backbone=dict(depth=18),
    head=dict(in_channels=512, num_keypoints=5, loss=dict(radius=codec['radius']), decoder=codec))

optim_wrapper = dict(optimizer=dict(lr=0.05))  # at 0.05 the loss on 2 fixed scenes falls 3.6 -> 0.77 in 60 iterations
# counts in images (auto_scale_schedule): on 1 process x 8 crops, 1,000 iterations, lr / 10 at 600, val at 500
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, begin=0, end=8_000, milestones=[4_800], gamma=0.1)]
train_cfg = dict(max_iters=8_000, val_interval=4_000)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=4_000, max_keep_ckpts=2))
randomness = dict(seed=0)
