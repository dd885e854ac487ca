"""Train a model from a config (mmengine Runner), on one process or under torchrun / Slurm.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--allow-partial-load]
                          [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG GPUS [args]          # torchrun; NNODES, NODE_RANK, MASTER_ADDR, PORT

``--resume`` (or ``resume=True`` in the config) refuses a checkpoint that does not fit the model exactly (a model
tensor unfilled or mis-shaped, a key the model lacks), naming the counts and the first keys; ``--allow-partial-load``
resumes anyway. A ``load_from`` without resuming (fine-tuning, whose old head may not fit) loads what fits, as
mmengine does. Either way the load status is ``message_hub.get_info('load_status')`` (see tools/test.py), and a file
that is not a checkpoint is an error that says so.
"""
from mmengine.config import Config

from mmjft.utils import register_all_modules, setup_cpu_distributed
from mmjft.utils.cli import build_runner, common_parser, merge_common_args, parse_command_line


def add_train_arguments(parser):
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; without a value, from the latest one in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision training')
    parser.add_argument(
        '--amp-dtype', choices=['float16', 'bfloat16'], default='float16',
        help='precision of --amp: float16 with dynamic loss scaling (default) or bfloat16')
    parser.add_argument('--no-validate', action='store_true', help='skip validation during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true', help='scale the lr by the real batch size (auto_scale_lr)')


def parse_args(argv=None):
    """The command line ``argv`` (None: ``sys.argv[1:]``) parsed; sets LOCAL_RANK (mmjft/utils/cli.py)."""
    parser = common_parser('Train a model', 'train config file path', 'the dir to save logs and checkpoints',
                           add_arguments=add_train_arguments)
    return parse_command_line(parser, argv)


def merge_args(cfg, args):
    """Fold the command line into the config, as mmpretrain's tools do: the shared options (mmjft/utils/cli.py),
    then training's own."""
    merge_common_args(cfg, args)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a GPU: mmengine 0.10.7 runs AmpOptimWrapper on CUDA/NPU/MLU only')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = args.amp_dtype
        if args.amp_dtype == 'float16':  # float16 needs loss scaling, whatever a bf16 config switched off
            cfg.optim_wrapper.loss_scale = 'dynamic'
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    return cfg


def refuses_partial_load(cfg, args):
    """Whether a checkpoint that does not fit the model stops the run: when resuming (``--resume`` or the config's
    ``resume=True``), unless ``--allow-partial-load``. A fine-tuning ``load_from`` loads what fits, as mmengine does."""
    return bool(cfg.get('resume')) and not args.allow_partial_load


def main(argv=None):
    """Train as the command line ``argv`` (None: ``sys.argv[1:]``) says; returns the runner."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    from mmjft.engine.runner import check_checkpoint_loads
    cfg = merge_args(Config.fromfile(args.config), args)
    setup_cpu_distributed(cfg, args.launcher)
    runner = build_runner(cfg)
    check_checkpoint_loads(runner, refuse_partial=refuses_partial_load(cfg, args))
    runner.train()
    return runner


if __name__ == '__main__':
    main()
