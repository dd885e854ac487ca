"""mmdet's ``CocoMetric`` for tools/test.py, scoring an empty detection set 0.0 instead of returning nothing.

mmdet 3.3's ``CocoMetric`` logs 'The testing results of the whole dataset is empty' and returns no metrics when a
model detects nothing (pycocotools' ``loadRes`` fails on an empty list), which breaks anything that reads the
metrics afterwards (checkpoint selection, tables). With an ``ann_file``, mmdet scores every image of the file, so an
image left out of the dataset (``exclude_ids_file``: de-duplicated evaluation) would count as all its boxes missed;
this metric restricts COCOeval to the image ids of the results. Everything else, including the results file it writes to
``outfile_prefix + '.bbox.json'``, is mmdet's. It imports mmdet, so only detection configs load it (``custom_imports``) and name it ``type='mmjft.CocoDetMetric'``.
"""
from mmdet.evaluation import CocoMetric
from mmengine.logging import print_log

from mmjft.registry import METRICS

# pycocotools' COCOeval.stats[0:6] (maxDets 100, all areas unless stated): mmdet's metric items
COCO_BOX_METRICS = ('mAP', 'mAP_50', 'mAP_75', 'mAP_s', 'mAP_m', 'mAP_l')


@METRICS.register_module()
class CocoDetMetric(CocoMetric):
    """:class:`mmdet.evaluation.CocoMetric`; with no detections at all its bbox/segm metrics are 0.0; only the
    images evaluated are scored."""

    def compute_metrics(self, results: list) -> dict:
        if self._coco_api is not None and results:
            self.img_ids = sorted({pred['img_id'] for _, pred in results})
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        for metric in self.metrics:
            if metric in ('bbox', 'segm') and not any(k.startswith(f'{metric}_') for k in metrics):
                print_log(f'{type(self).__name__}: no {metric} detections at all; {metric} metrics are 0.0',
                          logger='current', level=30)
                metrics.update({f'{metric}_{item}': 0.0 for item in (self.metric_items or COCO_BOX_METRICS)})
        return metrics
