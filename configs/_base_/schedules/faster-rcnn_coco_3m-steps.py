# Paper §5.2, COCO: asynchronous SGD on 9 workers, 1 image per worker and step, lr 4e-4, momentum 0.9, lr / 10 after
# 2.5M steps, 3M steps in all. One paper step is one worker's update on one image, so the run sees 3M images.
# Here: synchronous SGD, 8 GPUs x 2 images = 16 images per iteration.
#     iterations = paper steps / 16:   3,000,000 / 16 = 187,500 in all;   2,500,000 / 16 = 156,250 at the decay
#     lr = 4e-4 per image x 16 images = 6.4e-3: the optimizer's lr is the paper's, for a batch of 1, and
#     auto_scale_lr (base_batch_size=1) multiplies it by the real batch (GPUs x images per GPU) when the run
#     starts -- 16 images of updates at 4e-4 each move the weights as one update of their mean gradient at 6.4e-3.
# Another layout (e.g. 4 GPUs x 2) keeps the images seen by scaling max_iters and milestones by 16 / its batch.
# Not from the paper: the 500-iteration linear warm-up (8,000 images, 0.3% of the run) and weight decay 1e-4 are
# mmdet's defaults, kept.
images_per_iter = 16  # 8 GPUs x 2 images
paper_steps, paper_decay_steps = 3_000_000, 2_500_000
max_iters = paper_steps // images_per_iter  # 187,500
decay_iter = paper_decay_steps // images_per_iter  # 156,250

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=4e-4, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=True, base_batch_size=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=max_iters, milestones=[decay_iter], gamma=0.1),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=25_000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
