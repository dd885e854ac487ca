"""The mini-JFT pretraining of resnet18-w16_1xb32_mini-jft-64px.py read from tar shards (JFTShardDataset), the way a
300M-image run reads its data: streamed per rank and worker, block-shuffled, resumed exactly after a kill.

Data:     python tools/dataset_converters/make_mini_jft.py data/mini_jft
          python tools/dataset_converters/jsonl_to_shards.py data/mini_jft/train.jsonl data/mini_jft/classes.txt \
              data/mini_jft/shards --hierarchy data/mini_jft/hierarchy.json --img-root data/mini_jft \
              --samples-per-shard 200 --prefix train
Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-shards-64px.py
          (after a kill: the same with --resume; the data continues where the last checkpoint left it)
Cost:     as the JSONL config: 600 iterations x 32 images of 64 px on one process (about a minute on 2 CPU cores);
          the conversion reads and checks the 2,000 training images once (a few seconds).
"""
_base_ = ['./resnet18-w16_1xb32_mini-jft-64px.py']

train_dataloader = dict(
    persistent_workers=True,
    sampler=None,  # the dataset splits the shards over ranks and workers itself
    dataset=dict(_delete_=True, type='JFTShardDataset', data_root='data/mini_jft/shards/',
                 index_file='train-index.json', shuffle_buffer=256, seed=0,
                 pipeline={{_base_.train_pipeline}}))
