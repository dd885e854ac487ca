"""TensorFlow-semantics RMSProp, the optimiser of the paper's JFT recipe, taken from timm and registered here.

timm's ``RMSpropTF`` reproduces ``tf.train.RMSPropOptimizer``: epsilon inside the square root, the mean square
initialised to ones, and the learning rate applied inside the momentum buffer. Torch's own ``RMSprop`` differs on
all three, which matters with the large epsilon (1.0) of the Inception recipe the paper's set-up descends from.
"""
from timm.optim import RMSpropTF

from mmjft.registry import OPTIMIZERS

OPTIMIZERS.register_module(name='RMSpropTF', module=RMSpropTF)
