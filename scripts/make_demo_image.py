"""Write fastapml/data/demo_image.npz: the image behind ``fastapml denoise
--demo`` and the denoising part of ``fastapml demo``.

One array, ``image``: a 256 x 256 uint8 grayscale crop (face and helmet
ring) of scikit-image's ``astronaut`` photograph of Eileen Collins, a
NASA image in the public domain.  Needs scikit-image:
``python scripts/make_demo_image.py``.
"""

import os

import numpy as np
from skimage import data
from skimage.color import rgb2gray

ROWS, COLS = slice(0, 256), slice(96, 352)
OUT = os.path.join(
    os.path.dirname(__file__), os.pardir, "fastapml", "data", "demo_image.npz"
)


def main():
    gray = rgb2gray(data.astronaut()[ROWS, COLS])
    image = np.clip(np.rint(255 * gray), 0, 255).astype(np.uint8)
    np.savez_compressed(OUT, image=image)
    print(
        f"wrote {os.path.normpath(OUT)}: {image.shape} uint8, "
        f"{os.path.getsize(OUT)} bytes"
    )


if __name__ == "__main__":
    main()
