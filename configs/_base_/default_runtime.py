# mmpretrain's runtime (hooks, env, visualizer), with mmjft's registries as the default scope: names mmjft lacks
# fall through to mmpretrain and mmengine.
_base_ = 'mmpretrain::_base_/default_runtime.py'

default_scope = 'mmjft'
custom_imports = dict(imports=['mmjft.datasets', 'mmjft.models', 'mmjft.evaluation', 'mmjft.engine'],
                      allow_failed_imports=False)
# mmjft's Runner: schedules written in images follow the real global batch (auto_scale_schedule, see
# mmjft/engine/schedule.py) and model.head.num_classes='auto' follows the data's class list.
runner_type = 'mmjft.Runner'
default_hooks = dict(
    # before the first step: the head and every dataset share one label space (sizes, class order, checkpoint's)
    label_space=dict(type='LabelSpaceCheckHook'),
    # missing / corrupt training images: totals over workers, ranks, epochs; summary at log time; the ceiling
    bad_images=dict(type='BadImageHook'),
    # a NaN / infinite loss stops the run, naming the iteration and the last good checkpoint
    invalid_loss=dict(type='StopOnInvalidLossHook'),
    # meta['images_seen'] in every checkpoint; at_images / at_epochs add checkpoints named by what they saw
    # (images_384M.pth), which do not depend on the GPU count as iteration numbers do
    images_seen=dict(type='ImagesSeenCheckpointHook'),
    # <work_dir>/run_result.json: what ran as the run read it (data, classes, seeds, device, load status, commit),
    # its own timer and metrics; the results tool and the converter key runs by it (README 'The result file')
    run_result=dict(type='RunResultHook'),
)
