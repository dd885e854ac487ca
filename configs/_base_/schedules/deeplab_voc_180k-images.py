# Paper §5.3: 30K SGD iterations of batch 6 = 180,000 images (17 epochs of trainaug's 10,582), momentum 0.9,
# lr 1e-3 at batch 6 with the 'poly' policy (power 0.9, to 0), weight decay 5e-4.
# Every count below is in images (auto_scale_schedule, base_batch_size=1): mmjft's Runner converts them to iterations
# of the real global batch at start and logs it. On 2 GPUs x 3 images = 6 images per iteration:
#     180,000 / 6 = 30,000 iterations in all (the paper's);   evaluation and checkpoint every 30,000 / 6 = 5,000
#     lr: written for a batch of 6 (auto_scale_lr base_batch_size=6); with --auto-scale-lr a run of another global
#     batch B uses 1e-3 x B / 6 (on 2 x 3 = 6 it is 1e-3 either way).
# Not from the paper (it is silent; DeepLab-v2's recipe): the ASPP-L branches learn at 10x the lr (lr_mult=10 on
# decode_head; DeepLab-v2 also doubles the bias lr, not done here), weight decay on every trained tensor.
images = 180_000

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-3, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}),
    clip_grad=None)
auto_scale_lr = dict(enable=False, base_batch_size=6)
auto_scale_schedule = dict(enable=True, base_batch_size=1)  # counts in images
runner_type = 'mmjft.Runner'  # applies auto_scale_schedule (mmjft/engine/schedule.py)
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, end=images, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=images, val_interval=30_000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=30_000, max_keep_ckpts=3),  # images
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    invalid_loss=dict(type='mmjft.StopOnInvalidLossHook'))  # a NaN / inf loss stops the run
