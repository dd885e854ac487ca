"""configs/jft/resnet101_8xb32_jft300m-299px.py with the JPEGs decoded (nvJPEG) and augmented on each GPU by the
model's data preprocessor: the data loader workers only read bytes, so a GPU needs a few CPU cores, not 6+.

Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-gpu-decode-299px.py 8
Cost:     the run of resnet101_8xb32_jft300m-299px.py (1.152B images, ~8 days on 8 H200s at ~1,600 img/s each);
          nvJPEG decodes ~7,600 img/s on an H200 (docs/benchmarks.md), the CPU pipeline ~365 img/s per core. The
          decode + augmentation rate of this preprocessor on a GPU: tools/benchmarks/gpu_decode.py
          (figure pending a GPU session).
Evaluate: python tools/test.py configs/jft/resnet101_8xb32_jft300m-gpu-decode-299px.py CKPT   (FastEval14k mAP@100)
Same recipe: resize 340x340 (aspect not kept, bilinear as cv2), random 299 crop, horizontal flip with p 0.5, [-1, 1]
input in RGB; evaluation resize 340 + centre 299 crop. Crops and flips come from each sample's seed.
"""
_base_ = ['./resnet101_8xb32_jft300m-299px.py']

model = dict(
    data_preprocessor=dict(type='JpegDecodeDataPreprocessor', scale=(340, 340), crop_size=299, flip_prob=0.5))

train_pipeline = [dict(type='LoadJpegBytes'), dict(type='PackJpegInputs')]
test_pipeline = [dict(type='LoadJpegBytes'), dict(type='PackJpegInputs')]
# reading bytes and parsing a header is ~100x cheaper than decoding: 4 workers per GPU instead of 8
# encoded JPEGs differ in length: the preprocessor takes the list pseudo_collate makes
train_dataloader = dict(num_workers=4, collate_fn=dict(type='pseudo_collate'), dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=4, dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(num_workers=4, dataset=dict(pipeline=test_pipeline))
