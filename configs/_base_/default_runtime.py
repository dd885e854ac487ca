# mmpretrain's runtime (hooks, env, visualizer), with mmjft's registries as the default scope: names mmjft lacks
# fall through to mmpretrain and mmengine.
_base_ = 'mmpretrain::_base_/default_runtime.py'

default_scope = 'mmjft'
custom_imports = dict(imports=['mmjft.datasets', 'mmjft.models', 'mmjft.evaluation', 'mmjft.engine'],
                      allow_failed_imports=False)
