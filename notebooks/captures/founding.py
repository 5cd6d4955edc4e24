# The founding question at full size: a 2 GiB array of zeros, read, written whole, summed, freed.
import numpy as np

l = np.zeros(2**28)      # 2 GiB allocated: calloc of fresh pages, nothing written
l[-1]                    # one element read: reading touches no page of its own
np.add(l, 0, out=l)      # every element written: every page resident
l.sum()                  # reading it all changes nothing more
pagelab_mark("written and summed")
del l                    # the mapping goes back to the kernel
pagelab_mark("after del l")
