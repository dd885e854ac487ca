import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmjft module of pretraining and the weight converter's initializer (``mmjft.downstream``) so that
    they register themselves, and optionally make 'mmjft' the default scope. The downstream tasks
    (``mmjft.downstream.detection`` & co.) import mmdet, mmseg or mmpose: their configs load them (``custom_imports``).

    Args:
        init_default_scope (bool): make ``mmjft`` the default scope of the registries (names that mmjft does not
            hold fall through to mmpretrain and mmengine). Defaults to True.
    """
    import mmjft.datasets  # noqa: F401,F403
    import mmjft.downstream  # noqa: F401,F403
    import mmjft.engine  # noqa: F401,F403
    import mmjft.evaluation  # noqa: F401,F403
    import mmjft.models  # noqa: F401,F403

    if not init_default_scope:
        return
    never_created = DefaultScope.get_current_instance() is None or not DefaultScope.check_instance_created('mmjft')
    if never_created:
        DefaultScope.get_instance('mmjft', scope_name='mmjft')
        return
    current_scope = DefaultScope.get_current_instance()
    if current_scope.scope_name != 'mmjft':
        warnings.warn(f'The current default scope "{current_scope.scope_name}" is not "mmjft", '
                      '`register_all_modules` will force the current default scope to be "mmjft".')
        new_instance_name = f'mmjft-{datetime.datetime.now()}'
        DefaultScope.get_instance(new_instance_name, scope_name='mmjft')
