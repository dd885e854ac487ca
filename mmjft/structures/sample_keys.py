"""The names of the fields a sample carries from the data loader to the model and the hooks.

The ground floor: the datasets write these fields, the data preprocessors, loops and hooks read them, and neither
side imports the other to learn their names.
"""
# the paths that failed to load before this sample, '\n'-joined ('' when none): the dataset skips a missing or
# corrupt image and hands its path to BadImageHook in the next good sample (mmjft.datasets.bad_images)
BAD_IMAGES_KEY = 'bad_images'
# a 64-bit seed of the sample's augmentation (seed, epoch, img_path), for augmentation done later on the device
# (mmjft.datasets.sample_seed)
SAMPLE_SEED_KEY = 'sample_seed'
# where a streamed sample lies in its worker's stream, 'epoch/worker/block/index' (JFTShardDataset), which
# ResumableIterBasedTrainLoop saves to resume there
STREAM_POSITION_KEY = 'stream_position'
# the EXIF orientation tag of an image kept encoded (1..8; 1 = as stored), applied after decoding on the device
EXIF_ORIENTATION_KEY = 'exif_orientation'
