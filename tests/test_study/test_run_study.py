"""The study runner end to end, in this process (lanes=0): two pretraining sizes, a conversion, one downstream task
and the summary, with one cell killed mid-run and resumed from its checkpoint; a failed cell skips its dependents
and the others go on; a changed input reruns what reads it."""
import _thread
import glob
import json
import os.path as osp
import threading
import time

import pytest

from conftest import MINI_CONFIG, ROOT, run_tool_main
from mmjft.study.cells import load_study
from mmjft.study.execute import run_study
from mmjft.study.report import write_summary
from mmjft.study.state import STAMP, unfinished_reason

SEG = 'configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py'
LOADERS = {f'{s}_dataloader.{k}': v for s in ('train', 'val', 'test')
           for k, v in (('num_workers', 0), ('persistent_workers', False))}


def pretrain(name, images, data_root, iters):
    seen = 32 * iters
    return dict(name=name, stage='pretrain', config=MINI_CONFIG, needs=['jft'], options={
        **{f'{s}_dataloader.dataset.data_root': data_root for s in ('train', 'val', 'test')},
        'train_dataloader.dataset.subset_size': images, 'val_dataloader.dataset.subset_size': 32,
        'train_cfg.max_iters': seen, 'train_cfg.val_interval': seen, 'default_hooks.checkpoint.interval': 64,
        'default_hooks.checkpoint.max_keep_ckpts': 1, 'default_hooks.logger.interval': 1, **LOADERS},
        record=dict(task='pretrain', depth=18, seed=0, images=images, metric='jft/mAP@100'))


def write_study(tmp_path, mini_jft, seg_iters=4):
    seg_root = str(tmp_path / 'seg')
    cells = [
        dict(name='jft', stage='data', produces=[mini_jft['data_root']]),  # the user's data: no command
        dict(name='seg_data', stage='data', produces=[seg_root], command=[
            'tools/dataset_converters/make_mini_detection.py', seg_root, '--format', 'voc-seg', '--num-train', '8',
            '--num-val', '4']),
        pretrain('pre_a', 64, mini_jft['data_root'], 2),
        pretrain('pre_b', 128, mini_jft['data_root'], 12),
        dict(name='cnv_b', stage='convert', source='pre_b', target='mmseg'),
        dict(name='seg_b', stage='downstream', config=SEG, needs=['seg_data'], options={
            'model.init_cfg.checkpoint': '{out:cnv_b}',
            **{f'{s}_dataloader.dataset.data_root': seg_root + '/VOC2012' for s in ('train', 'val', 'test')},
            'train_cfg.max_iters': 2 * seg_iters, 'train_cfg.val_interval': 2 * seg_iters,
            'default_hooks.checkpoint.interval': 2 * seg_iters, 'param_scheduler.0.end': 2 * seg_iters, **LOADERS},
            record=dict(task='segmentation', depth=18, seed=0, images=128, metric='mIoU')),
        dict(name='summary', stage='summary'),
    ]
    path = tmp_path / 'study.py'
    path.write_text(f'study_name = "smoke"\nwork_root = {str(tmp_path / "work")!r}\ncells = {cells!r}\n')
    return str(path)


def interrupt_when(pattern):
    """Ctrl-C in the main thread as soon as a file matching ``pattern`` exists (a kill between two steps)."""
    def watch():
        while not glob.glob(pattern):
            time.sleep(0.02)
        _thread.interrupt_main()
    threading.Thread(target=watch, daemon=True).start()


@pytest.mark.heavy
def test_study_runs_resumes_a_killed_cell_and_summarises(mini_jft, tmp_path):
    study = load_study(write_study(tmp_path, mini_jft))
    work = tmp_path / 'work'
    interrupt_when(str(work / 'pre_b' / 'last_checkpoint'))  # after pre_b's first checkpoint (64 images: iter 2)
    with pytest.raises(KeyboardInterrupt):
        run_study(study, ROOT, lanes=0, summary=lambda s, o: None)
    assert unfinished_reason(study, study.cell('pre_a')) is None  # finished, stamped
    assert unfinished_reason(study, study.cell('pre_b')) == 'interrupted'
    assert osp.isfile(work / 'pre_b' / 'last_checkpoint')

    outcomes = run_study(study, ROOT, lanes=0, summary=lambda s, o: write_summary(s, o, started=time.time()))
    assert {n: o['status'] for n, o in outcomes.items()} == dict(
        jft='finished before', seg_data='finished before', pre_a='finished before', pre_b='ok', cnv_b='ok',
        seg_b='ok', summary='ok')
    result = json.loads((work / 'pre_b' / 'run_result.json').read_text())['train']
    first, second = result['sessions']  # the killed session, then the resumed one from its last checkpoint
    assert result['resumed'] and first['last_iter'] == second['first_iter'] in (2, 4, 6, 8, 10)
    assert (result['iterations'], result['train_set']['images']) == (12, 128)
    seg = json.loads((work / 'seg_b' / 'run_result.json').read_text())['train']
    assert seg['pretraining']['train_images'] == 128  # the converted checkpoint's record of what pretraining read

    report = (work / 'smoke.md').read_text()
    assert '| seg_b | segmentation | 18 | no | jft | all | default | 0 | 128 |' in report
    assert '**Verdict: inconclusive**' in report
    records = {r['cell']: r for r in json.loads((work / 'results.json').read_text())['records']}
    assert (records['pre_a']['data_size'], records['pre_b']['data_size']) == (64, 128)
    assert records['seg_b']['status'] == 'ok' and 0 <= records['seg_b']['metric'] <= 100

    # everything finished: a rerun runs nothing but the summary; a changed input reruns what reads it
    assert run_study(study, ROOT, lanes=0, only=['seg_b'])['seg_b']['status'] == 'finished before'
    with open(work / 'cnv_b' / 'mmseg.pth', 'ab') as f:
        f.write(b'\0')
    assert unfinished_reason(study, study.cell('seg_b')) == 'an input checkpoint changed'
    assert unfinished_reason(study, study.cell('cnv_b')) is None


def test_a_failed_cell_skips_its_dependents_and_the_others_go_on(tmp_path, capsys):
    fail = tmp_path / 'fail.py'
    fail.write_text('import sys\ndef main(argv):\n    print("cannot read", argv[0])\n    return 3\n')
    ok = tmp_path / 'ok.py'
    ok.write_text('import pathlib\ndef main(argv):\n    pathlib.Path(argv[0]).write_text("x")\n')
    cells = [dict(name='bad', stage='data', command=[str(fail), 'in.txt'], produces=[str(tmp_path / 'b')]),
             dict(name='good', stage='data', command=[str(ok), str(tmp_path / 'g')], produces=[str(tmp_path / 'g')]),
             dict(name='pre', stage='pretrain', config=MINI_CONFIG, needs=['bad']),
             dict(name='cnv', stage='convert', source='pre', target='mmseg'), dict(name='summary', stage='summary')]
    path = tmp_path / 's.py'
    path.write_text(f'study_name = "f"\nwork_root = {str(tmp_path / "w")!r}\ncells = {cells!r}\n')
    summaries = []
    outcomes = run_study(load_study(str(path)), ROOT, lanes=0, summary=lambda s, o: summaries.append(dict(o)))
    assert outcomes['summary']['status'] == 'ok' and summaries[0]['pre']['status'].startswith('skipped')
    assert outcomes['bad']['status'] == 'failed' and 'exited with status 3' in outcomes['bad']['error']
    assert 'cannot read in.txt' in outcomes['bad']['log']  # the tail of its log
    assert outcomes['pre']['status'] == outcomes['cnv']['status'] == 'skipped: upstream bad failed'
    assert outcomes['good']['status'] == 'ok' and osp.isfile(tmp_path / 'w' / 'good' / STAMP)
    code = run_tool_main('tools/run_study.py', [path, '--lanes', '0'])
    assert code == 1 and 'bad: failed' in capsys.readouterr().err  # good: finished before
