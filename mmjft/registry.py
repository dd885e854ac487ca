"""mmjft's registries: children of mmpretrain's, scope 'mmjft'.

A config of mmpretrain, mmdet, mmseg or mmpose names an mmjft module as ``type='mmjft.Name'`` (after
``custom_imports=dict(imports=['mmjft'])`` or ``mmjft.utils.register_all_modules()``); inside an mmjft config
(``default_scope='mmjft'``) the plain name works, and names mmjft lacks fall through to mmpretrain and mmengine.
"""
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import DATASETS as MMPRETRAIN_DATASETS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import TRANSFORMS as MMPRETRAIN_TRANSFORMS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMPRETRAIN_MODELS, locations=['mmjft.models'])
DATASETS = Registry('dataset', parent=MMPRETRAIN_DATASETS, locations=['mmjft.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMPRETRAIN_DATA_SAMPLERS, locations=['mmjft.datasets'])
TRANSFORMS = Registry('transform', parent=MMPRETRAIN_TRANSFORMS, locations=['mmjft.datasets'])
METRICS = Registry('metric', parent=MMPRETRAIN_METRICS, locations=['mmjft.evaluation'])
OPTIMIZERS = Registry('optimizer', parent=MMPRETRAIN_OPTIMIZERS, locations=['mmjft.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMPRETRAIN_OPTIM_WRAPPERS, locations=['mmjft.engine'])
HOOKS = Registry('hook', parent=MMPRETRAIN_HOOKS, locations=['mmjft.engine'])
LOOPS = Registry('loop', parent=MMPRETRAIN_LOOPS, locations=['mmjft.engine'])
RUNNERS = Registry('runner', parent=MMPRETRAIN_RUNNERS, locations=['mmjft.engine'])
# Runner.wrap_model looks a plain name up in mmengine's root registry: mmjft.models.wrappers registers there too
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMPRETRAIN_MODEL_WRAPPERS, locations=['mmjft.models.wrappers'])
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=MMPRETRAIN_WEIGHT_INITIALIZERS,
                               locations=['mmjft.models', 'mmjft.downstream'])
# Nodes that hold nothing of mmjft's: a Runner in scope 'mmjft' builds from these trees too, and mmengine's
# switch_scope_and_registry looks for an 'mmjft' node in each (without one it logs "Failed to search registry with
# scope 'mmjft' ..." and builds from the root); names fall through to mmpretrain and mmengine.
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor', parent=MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMPRETRAIN_PARAM_SCHEDULERS)
LOG_PROCESSORS = Registry('log processor', parent=MMPRETRAIN_LOG_PROCESSORS)
EVALUATORS = Registry('evaluator', parent=MMPRETRAIN_EVALUATORS)
VISUALIZERS = Registry('visualizer', parent=MMPRETRAIN_VISUALIZERS)
VISBACKENDS = Registry('vis_backend', parent=MMPRETRAIN_VISBACKENDS)


def _expose_to_other_libraries(*registries):
    """Make ``type='mmjft.Name'`` resolve from mmdet, mmseg and mmpose registries too.

    mmengine's ``Registry.get('scope.Name')`` looks for the scope among its own children, then among the direct
    children of the root registry only (mmengine/registry/registry.py); mmjft's nodes hang under mmpretrain's, one
    level too deep for a sibling library to find. Listing each node also among the root's children (its parent stays
    mmpretrain, so plain names still fall through to mmpretrain) fixes the lookup without touching mmengine.
    """
    for registry in registries:
        root = registry._get_root_registry()
        root._children.setdefault(registry.scope, registry)


_expose_to_other_libraries(MODELS, DATASETS, DATA_SAMPLERS, TRANSFORMS, METRICS, EVALUATORS, OPTIMIZERS, OPTIM_WRAPPERS,
                           OPTIM_WRAPPER_CONSTRUCTORS, PARAM_SCHEDULERS, HOOKS, LOG_PROCESSORS, LOOPS, RUNNERS,
                           MODEL_WRAPPERS, WEIGHT_INITIALIZERS, VISUALIZERS, VISBACKENDS)
