# Paper §5.2, PASCAL VOC: asynchronous SGD on 9 workers, 1 image per worker and step, lr 3e-4, momentum 0.9,
# lr / 10 after 500K steps, 700K steps in all (= 700K images, ~42 epochs of 16,551 images).
# Counts in images (auto_scale_schedule of the COCO base). On 8 GPUs x 2 images = 16 images per iteration:
#     700,000 / 16 = 43,750 iterations in all;   500,000 / 16 = 31,250 at the decay
#     lr = 3e-4 per image x 16 = 4.8e-3, applied by auto_scale_lr (base_batch_size=1) from the real batch.
# Not from the paper: mmdet's warm-up (8,000 images) and weight decay 1e-4, kept.
_base_ = './faster-rcnn_coco_3m-steps.py'

paper_steps, paper_decay_steps = 700_000, 500_000  # = images

optim_wrapper = dict(optimizer=dict(lr=3e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=8_000),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=paper_steps, milestones=[paper_decay_steps], gamma=0.1),
]
# evaluation every 80K images (5,000 iterations on 8 GPUs x 2)
train_cfg = dict(max_iters=paper_steps, val_interval=80_000)
