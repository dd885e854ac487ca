"""The classes ablation (paper Table 6): 30M JFT images drawn among those carrying one of the 941 classes that match
ImageNet's, the label space (head, val and test) cut to those classes; against the random 30M over all 18,291
classes (resnet101_8xb32_jft300m-30m-subset-299px.py).

Needs data/jft300m/imagenet_classes.txt, one JFT class per line (tools/dataset_converters/make_classes_subset.py).
Command:  bash tools/dist_train.sh configs/jft/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py 8
Cost:     as the 30M run: 115.2M images (450,000 iterations on 8 GPUs x 32); a 941-way head instead of 18,291.
Images with no label among the classes are dropped before the 30M are drawn (JFTDataset: classes_subset, then
subset_size), so all 30M images carry a label; the head follows the list (num_classes='auto', mmjft's Runner).
"""
_base_ = './resnet101_8xb32_jft300m-30m-subset-299px.py'
classes_subset = 'imagenet_classes.txt'  # relative to data_root

model = dict(head=dict(num_classes='auto'))
train_dataloader = dict(dataset=dict(classes_subset=classes_subset))
val_dataloader = dict(dataset=dict(classes_subset=classes_subset))
test_dataloader = val_dataloader
