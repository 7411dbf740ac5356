"""Helpers of the PyTorch tests that DataLoader workers import (spawned and forkserver workers unpickle
the dataset by module name): a dataset that decodes with the package's own objects, carried into the
workers by pickling (spawn, forkserver) or by fork."""

import numpy as np

import on_demand_video_decoder as odvd


class DecoderObjectsDataset:
    """Item k: frame ``ids[k]`` of ``path``, decoded by each of the objects given (each as HWC uint8),
    stacked: (objects, H, W, 3). The objects are made in the parent and never used there."""

    def __init__(self, path, ids):
        self.path = path
        self.ids = list(ids)
        self.gop = odvd.PyNvGopDecoder(2, iGpu=-1, strict=True)
        self.cached = odvd.CreateGopDecoder(2, iGpu=-1, cache_max_gops=4)
        self.reader = odvd.PyNvSampleReader(1, 1, iGpu=-1)
        self.batch = odvd.CreateBatchAsyncGopDecoder(1, 2, iGpu=-1)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, k):
        p, i = self.path, self.ids[k]
        bundle = self.cached.GetGOPList([p], [i], useGOPCache=True)[0][0]
        self.batch.DecodeFromGOPListRGB([[bundle]], [p], [[i]])
        frames = [
            self.gop.DecodeN12ToRGB([p], [i])[0],
            self.cached.DecodeFromGOPListRGB([bundle], [p], [i])[0],
            self.reader.DecodeN12ToRGB([p], [i])[0],
            self.batch.DecodeFromGOPListRGBGetBuffer([p], [[i]])[0][0],
        ]
        return np.stack([np.asarray(f) for f in frames])
