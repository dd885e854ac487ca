"""Evaluate a checkpoint with a config's test set and metric; prints the metrics and writes them as JSON.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out preds.pkl] [--out-prefix PATH]
                         [--cfg-options k=v ...]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [args]

The last line printed is a JSON dict of the numeric metrics (also written to WORK_DIR/test_metrics.json). For a
detection config evaluated with COCO's metric, ``--out-prefix PATH`` writes the detections in COCO's results format
to ``PATH.bbox.json`` (image_id, category_id, bbox [x, y, w, h], score).
"""
import argparse
import json
import numbers
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmjft.utils import register_all_modules, setup_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Test (evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs and the metrics JSON')
    parser.add_argument('--out', help='dump every prediction to this pickle file')
    parser.add_argument(
        '--out-prefix', help='detection configs: write COCO-format results to OUT_PREFIX.bbox.json (CocoMetric)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs (xxx=yyy or a.b=[1,2])')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def set_results_prefix(cfg, prefix):
    """Point every COCO metric of the test evaluator at ``prefix`` (it then writes ``prefix.bbox.json``)."""
    evaluator = cfg.test_evaluator  # one metric, a list of metrics, or dict(type='Evaluator', metrics=...)
    metrics = evaluator.get('metrics', evaluator) if isinstance(evaluator, dict) else evaluator
    metrics = [metrics] if isinstance(metrics, dict) else list(metrics)
    coco = [m for m in metrics if str(m.get('type', '')).split('.')[-1] in ('CocoMetric', 'CocoDetMetric')]
    if not coco:
        raise SystemExit(f'--out-prefix needs a COCO metric in test_evaluator, the config has '
                         f'{[m.get("type") for m in metrics]}')
    os.makedirs(osp.dirname(osp.abspath(prefix)), exist_ok=True)
    for metric in coco:
        metric['outfile_prefix'] = prefix


def main():
    args = parse_args()
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.out_prefix:
        set_results_prefix(cfg, args.out_prefix)
    setup_cpu_distributed(cfg, args.launcher)
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if args.out:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    if runner.rank == 0:
        # numeric metrics only: mmdet adds strings such as 'coco/bbox_mAP_copypaste'
        metrics = {k: float(v) for k, v in metrics.items() if isinstance(v, numbers.Real)}
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(path, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(json.dumps({k: round(v, 6) for k, v in metrics.items()}))


if __name__ == '__main__':
    main()
