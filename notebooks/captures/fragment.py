# Freed memory that stays resident: 8 000 small arrays, then one more, then the 8 000 freed.
import numpy as np

blocks = [np.ones(128) for _ in range(8000)]   # 1 KiB of data each, from the brk heap
keep = np.ones(128)                            # allocated last: the highest block in the heap
del blocks
pagelab_mark("after del blocks")
