# Types of the compiled module built from _kernels.pyx.
import numpy as np

def hash_strings(offsets: np.ndarray, data: np.ndarray) -> np.ndarray: ...
