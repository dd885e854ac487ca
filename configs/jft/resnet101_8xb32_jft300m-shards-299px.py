"""configs/jft/resnet101_8xb32_jft300m-299px.py read from tar shards (JFTShardDataset): the way to feed 300M images to
many GPUs. Each rank and loader worker streams its own shards (per-rank memory ~0.15 GiB at 300M images instead of
the JSONL dataset's ~200 GB), and --resume continues the data where the checkpoint left it (no replay).

Data:     python tools/dataset_converters/jsonl_to_shards.py data/jft300m/train.jsonl data/jft300m/classes.txt \
              data/jft300m_shards --hierarchy data/jft300m/hierarchy.json --img-root data/jft300m --prefix train
          (~10,000 images per shard: ~1 GB tars; give at least GPUs x num_workers shards, of equal sizes)
Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-shards-299px.py 8
          (nodes: NNODES / NODE_RANK / MASTER_ADDR; Slurm: tools/slurm_train.sh; after a failure: the same + --resume)
Cost:     the run of resnet101_8xb32_jft300m-299px.py: 1.152B images, ~8 days on 8 H200s at ~1,600 img/s each if
          the loader keeps up (8 CPU-decoding workers per GPU here; or the GPU-decode configs); the conversion reads
          every image once.
Evaluate: python tools/test.py configs/jft/resnet101_8xb32_jft300m-shards-299px.py CKPT   (FastEval14k from JSONL)
"""
_base_ = ['./resnet101_8xb32_jft300m-299px.py']

train_dataloader = dict(
    sampler=None,  # the dataset splits the shards over ranks and workers itself
    dataset=dict(_delete_=True, type='JFTShardDataset', data_root='data/jft300m_shards/',
                 index_file='train-index.json', shuffle_buffer=1000, seed=0, pipeline={{_base_.train_pipeline}}))
