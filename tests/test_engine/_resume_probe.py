"""Hooks for the resume-after-kill test (tests/test_engine/test_loops.py), named as ``_resume_probe.Name`` with this
folder on PYTHONPATH.

``KeysPerIterationHook`` appends each iteration's image paths to ``keys.jsonl`` in the work dir, flushed at once (a
killed run keeps what it trained on); ``KillHook`` sends SIGKILL to its own process before iteration ``at_iter``
(a kill -9: no hook, no ``finally`` runs); ``WeightsDigestHook`` writes the final parameters' SHA-1.
"""
import hashlib
import json
import os
import os.path as osp
import signal

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper


class KeysPerIterationHook(Hook):

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        with open(osp.join(runner.work_dir, 'keys.jsonl'), 'a') as f:
            f.write(json.dumps(dict(iter=runner.iter, keys=[s.img_path for s in data_batch['data_samples']])) + '\n')


class KillHook(Hook):

    def __init__(self, at_iter: int):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)


class WeightsDigestHook(Hook):

    def after_train(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        digest = hashlib.sha1()
        for key, value in sorted(model.state_dict().items()):
            digest.update(key.encode())
            digest.update(value.detach().cpu().contiguous().numpy().tobytes())
        with open(osp.join(runner.work_dir, 'weights.sha1'), 'w') as f:
            f.write(digest.hexdigest())
