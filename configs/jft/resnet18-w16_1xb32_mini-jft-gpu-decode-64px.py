"""The mini-JFT ResNet-18 w16 run with the JPEGs decoded and augmented by the model's data preprocessor (on the GPU
when the model is on one) instead of the data loader workers: the switch of configs/jft/README.md, section
"Decoding on the GPU or in many CPU workers".

Data:     python tools/dataset_converters/make_mini_jft.py data/mini_jft
Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-gpu-decode-64px.py
Cost:     as resnet18-w16_1xb32_mini-jft-64px.py (600 iterations x 32 images of 64 px); without a GPU the decode
          runs in the main process on the CPU (libjpeg-turbo, as cv2): 0.035-0.062 s per iteration while the shared
          2-core AMD EPYC was free of other jobs (the CPU-worker config 0.037-0.069 s in the same run pair), mAP@100
          0.693 after 600 iterations (that config 0.696). Measured 2026-11-27; on a CPU-only host the CPU-worker
          config is the faster choice at 299 px (docs/benchmarks.md).
Same recipe: resize 72x72 (aspect not kept, bilinear as cv2), random 64 crop, horizontal flip with p 0.5, [-1, 1] input
in RGB; evaluation resize 72 + centre 64 crop. Crops and flips come from each sample's seed, not numpy's generator.
"""
_base_ = ['./resnet18-w16_1xb32_mini-jft-64px.py']

model = dict(
    data_preprocessor=dict(type='JpegDecodeDataPreprocessor', scale=(72, 72), crop_size=64, flip_prob=0.5))

# the workers read the encoded bytes and check their headers; a broken file is skipped and counted there
train_pipeline = [dict(type='LoadJpegBytes'), dict(type='PackJpegInputs')]
test_pipeline = [dict(type='LoadJpegBytes'), dict(type='PackJpegInputs')]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
