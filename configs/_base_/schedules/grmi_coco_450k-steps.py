# Paper §5.4 (pose): SGD with momentum, 450K steps, lr / 10 after 250K steps; "hyper-parameters chosen per model".
# The paper gives no images per step. ASSUMPTION: G-RMI's set-up (Papandreou et al. 2017, "Towards Accurate
# Multi-person Pose Estimation in the Wild", implementation details: synchronous SGD with momentum 0.9 over several
# GPUs) with a mini-batch of 32 person crops per step -- our reading, not re-checked against G-RMI's text here;
# change images_per_step if it says otherwise. Then:
#     450,000 steps x 32 crops = 14,400,000 crops in all;   250,000 x 32 = 8,000,000 crops at the decay
# Every count below is in images (auto_scale_schedule, base_batch_size=1): mmjft's Runner converts them to iterations
# of the real global batch at start and logs it. On 8 GPUs x 4 crops = 32 crops per iteration:
#     14,400,000 / 32 = 450,000 iterations (the paper's steps);   8,000,000 / 32 = 250,000 at the decay
#     evaluation and checkpoint every 1,600,000 crops = 50,000 iterations of 32
# Not from the paper (it gives none; "chosen per model"): lr 4e-3 written for a batch of 32 (auto_scale_lr
# base_batch_size=32: with --auto-scale-lr another global batch B uses 4e-3 x B / 32), weight decay 1e-4.
_base_ = 'mmpose::_base_/default_runtime.py'  # its hooks and loops, overridden below

images_per_step = 32
paper_steps, paper_decay_steps = 450_000, 250_000
images, decay_images = paper_steps * images_per_step, paper_decay_steps * images_per_step

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=4e-3, momentum=0.9, weight_decay=1e-4))
auto_scale_lr = dict(enable=False, base_batch_size=32)
auto_scale_schedule = dict(enable=True, base_batch_size=1)  # counts in images
runner_type = 'mmjft.Runner'  # applies auto_scale_schedule (mmjft/engine/schedule.py)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=images, milestones=[decay_images], gamma=0.1),
]
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=images, val_interval=1_600_000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1_600_000, max_keep_ckpts=3,  # images
                    save_best=None),
    invalid_loss=dict(type='mmjft.StopOnInvalidLossHook'))  # a NaN / inf loss stops the run
log_processor = dict(by_epoch=False)
# mmpose's SyncBuffersHook syncs BN buffers every epoch: no epochs here, BN frozen; <work_dir>/run_result.json: what
# ran (README 'The result file')
custom_hooks = [dict(type='mmjft.RunResultHook')]
