"""The non-local step's settings, on images the benchmarks never score.

    python -m bench.compare.nonlocal_settings
    python -m bench.compare.nonlocal_settings --sigma 50 --size 256

Images
  scikit-image's retina, scikit-learn's china.jpg and matplotlib's
  grace_hopper.jpg (not bench.compare.denoise's evaluation images), made
  grayscale floats in [0, 1] (ITU-R 709 luma) and resized to --size x --size
  (default 512) with skimage.transform.resize(..., anti_aliasing=True);
  white Gaussian noise of sigma --sigma / 255 (default 25) from
  np.random.default_rng(--seed).

What it runs
  The pilot: fastapml.denoise.denoise(noisy, sigma, "epll") in float32, once
  per image.  Then fastapml.denoise.nonlocal_bayes.nonlocal_estimate(noisy,
  pilot, sigma, 8, search=..., n_similar=..., stride=...) for each setting
  of SETTINGS, the shipped NONLOCAL first.  Printed: PSNR per image and
  setting, its change from NONLOCAL's, and the step's steady time (one call
  after a first one that compiles).  The script reports; it asserts nothing.
"""

import argparse
import time

import numpy as np

from ._common import machine, run_script, table

# (search, n_similar, stride): around the shipped NONLOCAL
SETTINGS = [
    (12, 90, 4),
    (12, 60, 4),
    (12, 40, 4),
    (12, 120, 4),
    (8, 60, 4),
    (16, 60, 4),
    (14, 120, 4),
    (10, 40, 3),
    (12, 60, 2),
]
LUMA = np.array([0.2125, 0.7154, 0.0721])


def images(size):
    """(name, grayscale float image) of the three validation images."""
    import matplotlib.cbook
    import matplotlib.image
    from skimage import data, transform
    from sklearn.datasets import load_sample_images

    out = {"retina": data.retina(), "china": load_sample_images().images[0]}
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        out["grace_hopper"] = matplotlib.image.imread(f, format="jpg")
    return {
        name: transform.resize(
            (im[..., :3] @ LUMA) / 255.0, (size, size), anti_aliasing=True
        )
        for name, im in out.items()
    }


def main(argv=None):
    from fastapml.denoise import denoise, psnr
    from fastapml.denoise.nonlocal_bayes import NONLOCAL, nonlocal_estimate

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sigma", type=float, default=25.0, help="on 0-255")
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--publish", action="store_true", help="write the docs page")
    args = p.parse_args(argv)
    sigma = args.sigma / 255
    shipped = (NONLOCAL["search"], NONLOCAL["n_similar"], NONLOCAL["stride"])
    print(
        f"bench.compare.nonlocal_settings ({args.size}x{args.size}, sigma "
        f"{args.sigma:g}/255, seed {args.seed}) on {machine()}"
    )
    print(
        f"shipped NONLOCAL: search {shipped[0]}, n_similar {shipped[1]}, "
        f"stride {shipped[2]}\n"
    )
    rows = []
    for name, clean in images(args.size).items():
        rng = np.random.default_rng(args.seed)
        y = (clean + rng.normal(0, sigma, clean.shape)).astype(np.float32)
        pilot = denoise(y, sigma, "epll")
        rows.append(
            {
                "image": name,
                "setting": "epll (the pilot)",
                "PSNR": f"{psnr(clean, pilot):.2f}",
            }
        )
        base = None
        for search, n_similar, stride in SETTINGS:
            kw = {"search": search, "n_similar": n_similar, "stride": stride}
            nonlocal_estimate(y[:32, :32], pilot[:32, :32], sigma, 8, **kw)
            start = time.perf_counter()
            out = nonlocal_estimate(y, pilot, sigma, 8, **kw)
            seconds = time.perf_counter() - start
            score = psnr(clean, out)
            base = score if base is None else base
            rows.append(
                {
                    "image": name,
                    "setting": f"{search}:{n_similar}:{stride}",
                    "PSNR": f"{score:.2f}",
                    "vs shipped": f"{score - base:+.2f}",
                    "step time": f"{seconds:.2f} s",
                }
            )
    print("setting = search:n_similar:stride; the first is the shipped one\n")
    print(table(rows, ["image", "setting", "PSNR", "vs shipped", "step time"]))


if __name__ == "__main__":
    run_script(main)
