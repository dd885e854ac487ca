"""The result file a run writes (what it read, its timer, the commit), what a test run adds to it, the converter's
``meta['pretraining']`` taken from it, and the configs that carry the hook."""
import glob
import json
import os
import os.path as osp
import shutil
import subprocess

import torch

from conftest import MINI_CONFIG, MINI_PRE_ITERS, ROOT, data_root_options, run_tool_main
from mmjft.analysis.results import collect_run
from mmjft.downstream.convert import convert_for_downstream


def test_train_then_test_write_what_ran_and_the_converter_reads_it(mini_jft, mini_jft_pretrained, tmp_path):
    # the shared pretraining run (conftest: tools/train.py, 20 iterations of 32 images, all 1,200 training images)
    train_dir = osp.dirname(mini_jft_pretrained)
    with open(osp.join(train_dir, 'run_result.json')) as f:
        train = json.load(f)['train']
    assert (train['train_set']['images'], train['train_set']['load_stats']['images']) == (1200, 1200)
    assert (train['train_set']['subset_size'], train['train_set']['classes'], train['seed']) == (None, 73, 0)
    assert len(train['train_set']['classes_digest']) == 16 and train['world_size'] == 1
    assert (train['iterations'], train['global_batch'], train['images_seen']) == (MINI_PRE_ITERS, 32, 640)
    assert train['finished'] and train['load_status'] is None and train['device']['type'] == 'cpu'
    assert train['config'] == 'resnet18-w16_1xb32_mini-jft-64px' and len(train['config_hash']) == 16
    assert 0 < train['sessions'][0]['step_s'] < train['wall_clock_s'] == train['sessions'][0]['wall_clock_s']
    if train['commit'] is not None:  # a commit of this checkout (HEAD when the run started)
        kind = subprocess.run(['git', '-C', ROOT, 'cat-file', '-t', train['commit']['sha']], capture_output=True,
                              text=True)
        assert kind.stdout.strip() == 'commit' and isinstance(train['commit']['dirty'], bool)

    # a test run in a work_dir holding the train section adds its own and keeps it
    work = tmp_path / 'work'
    work.mkdir()
    shutil.copy(osp.join(train_dir, 'run_result.json'), work)
    metrics = run_tool_main('tools/test.py', [
        MINI_CONFIG, mini_jft_pretrained, '--work-dir', work, '--cfg-options',
        *data_root_options(mini_jft['data_root']), 'test_dataloader.dataset.subset_size=16',
        'test_dataloader.num_workers=0'])
    result = json.loads((work / 'run_result.json').read_text())
    assert result['train'] == train and result['test']['metrics'] == metrics
    assert result['test']['checkpoint']['images_seen'] == 640 and result['test']['test_set']['images'] == 16
    assert result['test']['load_status']['missing'] == 0  # tools/test.py's checked load, a field of its own
    assert not [n for n in os.listdir(work) if '.tmp' in n]  # written under a temporary name, renamed
    row = collect_run(str(work))
    assert (row['data_size'], row['subset_size'], row['seed'], row['images_seen']) == (1200, None, 0, 640)
    assert row['metric'] == metrics[row['metric_name']] and row['status'] == 'ok'

    # the converter: the checkpoint's own record, else its work_dir's result file, never the request alone
    ckpt = torch.load(mini_jft_pretrained, map_location='cpu', weights_only=True)
    pre = convert_for_downstream(ckpt, 'mmseg', source=mini_jft_pretrained)['meta']['pretraining']
    assert (pre['train_images'], pre['subset_size'], pre['images_seen'], pre['seed']) == (1200, None, 640, 0)
    assert pre['read_from'] == 'checkpoint meta' and pre['init'] == 'random' and pre['depth'] == 18
    ckpt['meta'].pop('run_result')  # a checkpoint saved without its record: the result file beside it
    pre = convert_for_downstream(ckpt, 'mmseg', source=mini_jft_pretrained)['meta']['pretraining']
    assert (pre['train_images'], pre['read_from']) == (1200, osp.join(train_dir, 'run_result.json'))
    elsewhere = str(tmp_path / 'copied.pth')  # ... and moved out of its work_dir: only the config's request
    pre = convert_for_downstream(ckpt, 'mmseg', source=elsewhere)['meta']['pretraining']
    assert (pre['train_images'], pre['read_from']) == (None, 'config (as asked)')

def test_every_config_family_carries_the_hook():
    """The merged configs the ablation test reads (cached there): one leaf per family of bases; and no leaf sets its
    own ``custom_hooks``, which would replace the list that carries the hook."""
    from test_configs_ablations import merged
    for leaf in ('jft/resnet18-w16_1xb32_mini-jft-64px.py', 'imagenet/resnet101_8xb32_in1k-scratch.py',
                 'faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py',
                 'deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py',
                 'pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py'):
        cfg = merged(leaf)
        hooks = [v for k, v in cfg.items() if k.startswith('default_hooks.') and k.endswith('.type')]
        hooks += [h.get('type') for h in cfg.get('custom_hooks') or []]
        assert 'RunResultHook' in hooks or 'mmjft.RunResultHook' in hooks, f'configs/{leaf}: no RunResultHook'
    for leaf in glob.glob(osp.join(ROOT, 'configs/*/*.py')):
        assert 'custom_hooks' not in open(leaf).read(), osp.relpath(leaf, ROOT)
