"""The classes ablation on mini-JFT (paper §4.3: JFT restricted to the classes that match ImageNet's): the same run
with the label space cut to a class list, here the 48 leaf classes the generator writes (leaf_classes.txt).

Command:  python tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-leaf-classes-64px.py
Cost:     as the parent config (600 iterations x 32 images of 64 px on 1 CPU process).
The head follows the class list (num_classes='auto': mmjft's Runner counts it), and val/test use the same list, so
mAP@100 is over the same 48 classes; images left with no label of the list are dropped from training (logged).
For JFT: classes_subset='imagenet_classes.txt', a file of the 941 JFT classes that match ImageNet's.
"""
_base_ = './resnet18-w16_1xb32_mini-jft-64px.py'
classes_subset = 'leaf_classes.txt'  # relative to data_root, like the classes file

model = dict(head=dict(num_classes='auto'))
train_dataloader = dict(dataset=dict(classes_subset=classes_subset))
val_dataloader = dict(dataset=dict(classes_subset=classes_subset))
test_dataloader = val_dataloader
