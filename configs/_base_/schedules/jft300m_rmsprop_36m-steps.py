# Paper §4.1 recipe, in images seen. One paper step = one worker's batch of 32 images (asynchronous SGD on 50 K80s).
#   lr x0.9 every 3M steps   = every 3M * 32 = 96M images
#   36M steps (the paper's)  = 1.152B images = 3.84 epochs of 300M ("4 epochs")
# Every count below is a number of images (auto_scale_schedule, base_batch_size=1): mmjft's Runner turns each into
# iterations of the real global batch when the run starts and logs the conversion, e.g. on 8 GPUs x 32 = 256 images
# per iteration: 1.152B / 256 = 4,500,000 iterations, lr decay every 96M / 256 = 375,000; on 64 GPUs x 32:
# 562,500 and 46,875. Switch it off with auto_scale_schedule.enable=False (the counts are then iterations).
# The lr is given for a batch of 32 and scaled linearly by mmengine's auto_scale_lr to the real global batch
# (8 GPUs x 32 -> lr 8e-3).
#
# RMSProp with TensorFlow semantics (timm's RMSpropTF): momentum 0.9 as in the paper; decay (alpha) 0.9 and
# epsilon 1.0 are not printed in the paper: they are the Inception/Xception TF recipe (tf-slim's
# train_image_classifier defaults) that the paper's JFT set-up descends from. Weight decay 1e-4 as an L2 term.
optim_wrapper = dict(
    optimizer=dict(type='RMSpropTF', lr=1e-3, alpha=0.9, eps=1.0, momentum=0.9, weight_decay=1e-4))

param_scheduler = dict(type='StepLR', by_epoch=False, step_size=96_000_000, gamma=0.9)  # images

# evaluation every 64M images (250,000 iterations on 8 GPUs x 32). mmjft's loop resumes the data where the checkpoint
# left it (streaming shards; samplers with set_start) instead of replaying every batch already trained
# (mmjft/engine/loops.py); other samplers are replayed as by mmengine's IterBasedTrainLoop.
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=1_152_000_000, val_interval=64_000_000)  # images
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=32, enable=True)
auto_scale_schedule = dict(base_batch_size=1, enable=True)  # the counts above are images
log_processor = dict(by_epoch=False)
