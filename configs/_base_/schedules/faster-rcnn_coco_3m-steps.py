# Paper §5.2, COCO: asynchronous SGD on 9 workers, 1 image per worker and step, lr 4e-4, momentum 0.9, lr / 10 after
# 2.5M steps, 3M steps in all. One paper step is one worker's update on one image, so the run sees 3M images.
# Every count below is in images (auto_scale_schedule, base_batch_size=1): mmjft's Runner converts them to
# iterations of the real global batch at start and logs it. On 8 GPUs x 2 images = 16 images per iteration:
#     3,000,000 / 16 = 187,500 iterations in all;   2,500,000 / 16 = 156,250 at the decay
#     lr = 4e-4 per image x 16 images = 6.4e-3: the optimizer's lr is the paper's, for a batch of 1, and
#     auto_scale_lr (base_batch_size=1) multiplies it by the real batch (GPUs x images per GPU) when the run
#     starts -- 16 images of updates at 4e-4 each move the weights as one update of their mean gradient at 6.4e-3.
# Not from the paper: mmdet's linear warm-up (500 iterations of 16 = 8,000 images, 0.3% of the run) and weight
# decay 1e-4, kept.
paper_steps, paper_decay_steps = 3_000_000, 2_500_000  # = images
warmup_images = 8_000

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=4e-4, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=True, base_batch_size=1)
auto_scale_schedule = dict(enable=True, base_batch_size=1)  # counts in images
runner_type = 'mmjft.Runner'  # applies auto_scale_schedule (mmjft/engine/schedule.py)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=warmup_images),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=paper_steps, milestones=[paper_decay_steps], gamma=0.1),
]
# evaluation every 400K images (25,000 iterations on 8 GPUs x 2)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=paper_steps, val_interval=400_000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
