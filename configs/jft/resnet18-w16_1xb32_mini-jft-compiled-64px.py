"""The mini-JFT recipe read through a compiled index (JFTCompiledDataset + JFTIndexSampler) instead of the JSONL: the
same images, labels and schedule, with a per-rank memory that does not grow with the dataset (the layout for
JSONL collections of 100M+ images; see configs/jft/README.md).

Data:     python tools/dataset_converters/make_mini_jft.py data/mini_jft
          python tools/dataset_converters/compile_jft_index.py data/mini_jft/train.jsonl data/mini_jft/classes.txt \
              data/mini_jft/train_index --hierarchy data/mini_jft/hierarchy.json
Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-compiled-64px.py
Cost:     as the parent (600 iterations x 32 images of 64 px on one CPU process, about a minute); compiling the
          train JSONL takes a few seconds, mostly imports (1,200 lines: 5.6 s wall on 2 cores, 2026-11-27).
Resume:   --resume: the schedule's ResumableIterBasedTrainLoop starts the sampler inside the epoch (set_start)
          instead of replaying the data; augmentation is seeded per sample (dataset seed, epoch, img_path).
"""
_base_ = './resnet18-w16_1xb32_mini-jft-64px.py'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='JFTIndexSampler', shuffle=True),
    dataset=dict(
        _delete_=True, type='JFTCompiledDataset', data_root='data/mini_jft/', index_file='train_index/index.json',
        seed=0, pipeline={{_base_.train_pipeline}}))
