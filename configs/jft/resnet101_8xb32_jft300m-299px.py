"""ResNet-101 pretrained from random init on JFT-300M ('300M' in the paper), 36M paper steps (~4 epochs).

Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-299px.py 8
Cost:     4.5M iterations x 256 images = 1.152B images. Raw PyTorch reaches ~1,600 img/s for this step on one H200
          in bf16 + channels_last (reference figures: docs/benchmarks.md): ~8 days on 8 such GPUs if the input
          pipeline keeps up; the paper took ~2 months on 50 K80s.
Evaluate: python tools/test.py configs/jft/resnet101_8xb32_jft300m-299px.py CKPT   (FastEval14k mAP@100)
Step:     the fast GPU step, on in every JFT config (bf16 autocast, channels_last, torch.compile); each switches off:
          --cfg-options optim_wrapper.type=OptimWrapper channels_last=False compile=False. Step speed against plain
          PyTorch: tools/benchmarks/train_step.py (docs/benchmarks.md).
"""
_base_ = [
    '../_base_/models/resnet101_jft.py',
    '../_base_/datasets/jft300m_bs32_299px.py',
    '../_base_/schedules/jft300m_rmsprop_36m-steps.py',
    '../_base_/default_runtime.py',
]

# checkpoints every 64M images (250,000 iterations on 8 GPUs x 32), all kept. The epoch ablation (paper Table 4:
# 1.3, 2.6 and 4 epochs of this one run) reads the checkpoints named by images seen: 12M / 24M / 36M paper steps of 32
# = images_384M.pth, images_768M.pth, images_1152M.pth (any GPU count). The logger's interval is in iterations.
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=64_000_000, max_keep_ckpts=20),
    images_seen=dict(at_images=[384_000_000, 768_000_000, 1_152_000_000]),
)

# The fast GPU step (mmjft/engine/runner.py): bf16 autocast without loss scaling (bf16 has fp32's exponent range),
# convolutions in channels_last, and torch.compile of the backbone and the optimizer step (mmjft's Runner; the first
# iterations compile).
# On a CPU host AmpOptimWrapper runs bf16 CPU autocast (mmjft/engine/amp.py).
optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16', loss_scale=dict(enabled=False))
channels_last = True
compile = True
env_cfg = dict(cudnn_benchmark=True)  # fixed 299 px input: let cuDNN pick its fastest convolution algorithms
# The batch reaches the GPU as one pinned uint8 tensor (torch's collate stacks the equal-sized 299 px crops) instead
# of mmengine's pseudo_collate list of 32 images, each copied and normalised on its own.
train_dataloader = dict(collate_fn=dict(type='default_collate'), pin_memory=True)
