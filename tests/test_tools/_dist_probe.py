"""A hook for the distributed tests: each rank writes the images it read (in order), a digest of its final weights
and which data-parallel wrapper (and communication hook) the Runner built.

Named in configs by its full path, ``type='_dist_probe.DistProbeHook'`` (this folder on PYTHONPATH).
"""
import hashlib
import json
import os.path as osp

from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class DistProbeHook(Hook):

    def __init__(self):
        self.paths = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.paths += [s.img_path for s in data_batch['data_samples']]

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        # parameters only: batch-norm running statistics are per replica (mmengine's DDP has broadcast_buffers=False)
        digest = hashlib.sha1()
        for key, value in sorted(model.named_parameters()):
            digest.update(key.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        with open(osp.join(runner.work_dir, f'probe_rank{get_rank()}.json'), 'w') as f:
            json.dump(dict(paths=self.paths, weights_sha1=digest.hexdigest(), world_size=runner.world_size,
                           max_iters=runner.max_iters, iters=runner.iter, wrapper=type(runner.model).__name__,
                           comm_hook=getattr(runner.model, 'comm_hook', None),
                           first_conv=model.backbone.conv1.weight.flatten()[:4].tolist()), f)
