# The founding question, 8 MiB at a time: three float64 arrays of 2**20 elements each.
import numpy as np

untouched = np.zeros(2**20)       # calloc of fresh pages: reads as zero, nothing written
written = np.zeros(2**20)
np.add(written, 0, out=written)   # every page written: all resident
sparse = np.zeros(2**20)
sparse[::1024] = 1                # one element per 8 KiB: every other page
pagelab_mark("three arrays live")
