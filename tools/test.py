"""Evaluate a checkpoint with a config's test set and metric; prints the metrics and writes them as JSON.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out preds.pkl] [--out-prefix PATH]
                         [--allow-partial-load] [--cfg-options k=v ...]
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [args]

The last line printed is a JSON dict of the numeric metrics (also written to WORK_DIR/test_metrics.json). For a
detection config evaluated with COCO's metric, ``--out-prefix PATH`` writes the detections in COCO's results format
to ``PATH.bbox.json`` (image_id, category_id, bbox [x, y, w, h], score).

The checkpoint must fit the config's model exactly: a model tensor it leaves unfilled or gives in another shape, or a
key the model lacks, stops the run before the first image, naming the counts and the first keys (mmengine itself
loads with ``strict=False`` and only logs). ``--allow-partial-load`` loads what fits, for users who mean it. Either
way the run's message hub holds the load status, ``message_hub.get_info('load_status')`` = ``dict(checkpoint, strict,
missing, unexpected, mismatched, first_keys)``, for the run's result file; it is not a metric. A file that is not a
checkpoint is an error that says so (mmjft/utils/compat.py, ``load_checkpoint_file``).
"""
import json
import numbers
import os
import os.path as osp

from mmengine.evaluator import DumpResults

from mmjft.utils import register_all_modules, setup_cpu_distributed
from mmjft.utils.cli import build_runner, common_parser, load_config, parse_command_line


def add_test_arguments(parser):
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='dump every prediction to this pickle file')
    parser.add_argument(
        '--out-prefix', help='detection configs: write COCO-format results to OUT_PREFIX.bbox.json (CocoMetric)')


def parse_args(argv=None):
    """The command line ``argv`` (None: ``sys.argv[1:]``) parsed; sets LOCAL_RANK (mmjft/utils/cli.py)."""
    parser = common_parser('Test (evaluate) a checkpoint', 'test config file path',
                           'the dir to save logs and the metrics JSON', add_arguments=add_test_arguments)
    return parse_command_line(parser, argv)


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


def main(argv=None):
    """Evaluate as the command line ``argv`` (None: ``sys.argv[1:]``) says. Returns the numeric metrics (on every
    rank): rank 0 writes them to ``WORK_DIR/test_metrics.json`` and prints them, rounded to 6 decimals, as JSON."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    from mmjft.engine.runner import check_checkpoint_loads
    cfg = load_config(args)
    cfg.load_from = args.checkpoint
    if args.out_prefix:
        set_results_prefix(cfg, args.out_prefix)
    setup_cpu_distributed(cfg, args.launcher)
    runner = check_checkpoint_loads(build_runner(cfg), refuse_partial=not args.allow_partial_load)
    if args.out:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    metrics = runner.test()
    # numeric metrics only: mmdet adds strings such as 'coco/bbox_mAP_copypaste'
    metrics = {k: float(v) for k, v in metrics.items() if isinstance(v, numbers.Real)}
    if runner.rank == 0:
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        with open(path, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(json.dumps({k: round(v, 6) for k, v in metrics.items()}))
    return metrics


if __name__ == '__main__':
    main()
