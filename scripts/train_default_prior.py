"""Fit fastapml's shipped patch prior, fastapml/data/denoise_prior.npz.

    python scripts/train_default_prior.py            # about 25 min on 2 cores

A Gaussian mixture over mean-removed 8 x 8 patches (Zoran & Weiss 2011),
fitted by fastapml's own EM on patches drawn from the images below: the
natural photographs and textures that ship with scikit-image and
scikit-learn, converted to grayscale.  Never trained on the evaluation set of
``python -m bench.compare.denoise`` — scikit-image's camera, astronaut, coffee and
chelsea (``skimage.data.cat`` is chelsea too; PyWavelets' camera is
scikit-image's) — so the prior is judged on images it has never seen.  Needs
scikit-image, PyWavelets and matplotlib (``pip install scikit-image
PyWavelets matplotlib``).
"""

import argparse
import time

import numpy as np

from fastapml.denoise import PatchPrior

EVALUATION = {"camera", "astronaut", "coffee", "chelsea", "cat"}
SKIMAGE = [
    "rocket",
    "stereo_motorcycle",
    "coins",
    "clock",
    "moon",
    "brick",
    "grass",
    "gravel",
    "immunohistochemistry",
]
PYWAVELETS = ["aero", "ascent"]  # pywt.data
MATPLOTLIB = ["grace_hopper.jpg"]  # matplotlib's sample_data
assert not EVALUATION & set(SKIMAGE + PYWAVELETS)


def _gray(image):
    image = np.asarray(image)
    if image.ndim == 3:
        image = image[..., :3] @ np.array([0.2125, 0.7154, 0.0721])
        return image / 255.0
    return image.astype(np.float64) / 255.0


def training_images():
    """(name, grayscale float image in [0, 1]) for every training image."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    out = []
    for name in SKIMAGE:
        image = getattr(skimage.data, name)()
        if name == "stereo_motorcycle":  # left and right views
            out += [
                (name + "_left", _gray(image[0])),
                (name + "_right", _gray(image[1])),
            ]
        else:
            out.append((name, _gray(image)))
    sample = load_sample_images()  # china.jpg, flower.jpg
    out += [
        (name, _gray(image))
        for name, image in zip(
            [f.rsplit("/", 1)[-1] for f in sample.filenames], sample.images
        )
    ]
    import pywt.data

    out += [(name, _gray(getattr(pywt.data, name)())) for name in PYWAVELETS]
    import matplotlib.cbook
    import matplotlib.image

    for name in MATPLOTLIB:
        with matplotlib.cbook.get_sample_data(name) as f:
            out.append((name, _gray(matplotlib.image.imread(f, format="jpg"))))
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-o", "--output", default="fastapml/data/denoise_prior.npz")
    parser.add_argument("--components", type=int, default=128)
    parser.add_argument("--patches", type=int, default=400_000)
    parser.add_argument("--max-iter", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--init", default="kmeans", choices=("kmeans", "k-means++", "random_from_data")
    )
    args = parser.parse_args(argv)
    images = training_images()
    for name, image in images:
        print(f"training image {name}: {image.shape}")
    start = time.perf_counter()
    prior = PatchPrior().fit(
        [image for _, image in images],
        patch_size=8,
        n_components=args.components,
        max_patches=args.patches,
        random_state=args.seed,
        max_iter=args.max_iter,
        init_params=args.init,
        verbose=True,
    )
    print(
        f"fitted {args.components} components on {args.patches} patches in "
        f"{time.perf_counter() - start:.0f} s ({prior.n_iter_} iterations, "
        f"converged: {prior.converged_})"
    )
    prior.save(args.output, dtype=np.float32)  # half the size of float64
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
