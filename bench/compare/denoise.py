"""fastapml.denoise.denoise against scikit-image's denoisers and BM3D, one process.

    python -m bench.compare.denoise                 # every image, method and peer
    python -m bench.compare.denoise --images camera --size 256 --methods mmse,gaussian
    python -m bench.compare.denoise --dtype float32,float64 --peers bm3d
    python -m bench.compare.denoise --sweep camera  # stride x rank_tol

Images
  scikit-image's camera, astronaut, coffee and chelsea (skimage.data), made
  grayscale floats in [0, 1] (skimage.color.rgb2gray for colour) and resized
  to --size x --size (default 512; times --scale) with
  skimage.transform.resize(..., anti_aliasing=True) where they differ
  (coffee 400x600 and chelsea 300x451 change aspect ratio; chelsea is
  upsampled).  default_prior() is documented as fitted on images that the
  benchmarks never evaluate on.
  Noise: white Gaussian, sigma = --sigma / 255 (default 25), drawn from
  np.random.default_rng(--seed) afresh for each image (the same field on
  every image, so a subset gives the same numbers); not clipped.

Methods (every one is told the true sigma where it takes one)
  epll, nonlocal, mmse, gaussian  fastapml.denoise.denoise with
            default_prior() (loaded once), --stride and --rank-tol; input in
            --dtype (default float32, computed in float32).
  tv        skimage.restoration.denoise_tv_chambolle; its weight is the best
            mean PSNR over TV_GRID on 256x256 crops of skimage.data.brick
            and coins (not evaluation images) at the same sigma and seed,
            chosen once per run for every image.
  nl_means  denoise_nl_means(patch_size=5, patch_distance=6, h=0.8 sigma,
            sigma=sigma, fast_mode=True): scikit-image's gallery settings,
            with the true sigma where the gallery uses estimate_sigma.
  wavelet   denoise_wavelet(sigma=sigma, method="BayesShrink", mode="soft",
            rescale_sigma=True): the gallery's BayesShrink settings.
  bm3d      bm3d.bm3d(noisy, sigma) (pip install bm3d, default 'np'
            profile, both stages) where `import bm3d` works; skipped with a
            note otherwise.  bm3d is licensed for non-commercial use only:
            a benchmark peer here, never a fastapml dependency.
Peers get the float64 noisy image; outputs are scored as returned (no
clipping) by fastapml.denoise.psnr against the clean float64 image.

Time is the best of --repeat steady calls (default 1: each call denoises a
whole image);
the first call, which for fastapml includes numba's compile or cache load,
is shown apart.  Ratio is a method's steady time / fastapml epll's (first
--dtype), so > 1 means epll is faster.  Peak memory is the RSS growth
during one more call, after free heap memory is handed back (malloc_trim).
The summary gives mean PSNR per method, epll - bm3d, nonlocal - bm3d and
epll - the best scikit-image denoiser of each image (dB), and bm3d time /
epll (nonlocal) time.  --sweep tabulates epll's PSNR and time on one image over stride
in {1, 2, 3} x rank_tol in {0, 0.05, 0.2}.  The script reports; it asserts
nothing.
"""

import argparse
from functools import partial

import numpy as np

from ._common import (
    fmt_mib,
    fmt_time,
    machine,
    measure,
    parser,
    peak_growth,
    row,
    run_for_target,
    run_script,
    table,
)

if __name__ == "__main__":
    run_for_target()

from skimage import color, data, restoration, transform  # noqa: E402

from fastapml.denoise import default_prior, denoise, psnr  # noqa: E402

try:
    import bm3d
except ImportError:
    bm3d = None

IMAGES = ("camera", "astronaut", "coffee", "chelsea")
METHODS = ("epll", "nonlocal", "mmse", "gaussian")
OURS = ("epll", "nonlocal")  # the methods the summary sets against BM3D
SKIMAGE = ("tv", "nl_means", "wavelet")
PEERS = SKIMAGE + ("bm3d",)
DTYPES = ("float32", "float64")
TV_GRID = (0.04, 0.06, 0.08, 0.10, 0.12, 0.15)
TV_TUNING = ("brick", "coins")
SWEEP = [(s, r) for s in (1, 2, 3) for r in (0.0, 0.05, 0.2)]


def gray(name, size=None):
    image = getattr(data, name)()
    image = color.rgb2gray(image) if image.ndim == 3 else image / 255.0
    if size is not None and image.shape != (size, size):
        image = transform.resize(image, (size, size), anti_aliasing=True)
    return image


def noisy(clean, sigma, seed):
    return clean + sigma * np.random.default_rng(seed).standard_normal(clean.shape)


def tv_weight(sigma, seed):
    """The TV_GRID weight with the best mean PSNR on TV_TUNING's crops."""
    crops = [gray(name)[:256, :256] for name in TV_TUNING]
    scores = [
        np.mean(
            [
                psnr(
                    c, restoration.denoise_tv_chambolle(noisy(c, sigma, seed), weight=w)
                )
                for c in crops
            ]
        )
        for w in TV_GRID
    ]
    return TV_GRID[int(np.argmax(scores))]


def peers(sigma, weight):
    r = restoration
    return {
        "tv": lambda y: r.denoise_tv_chambolle(y, weight=weight),
        "nl_means": lambda y: r.denoise_nl_means(
            y,
            patch_size=5,
            patch_distance=6,
            h=0.8 * sigma,
            sigma=sigma,
            fast_mode=True,
        ),
        "wavelet": lambda y: r.denoise_wavelet(
            y, sigma=sigma, method="BayesShrink", mode="soft", rescale_sigma=True
        ),
        "bm3d": lambda y: bm3d.bm3d(y, sigma),
    }


def names(choices):
    """argparse type: comma-separated names from ``choices``."""

    def parse(text):
        out = [x for x in text.split(",") if x]
        bad = sorted(set(out) - set(choices))
        if bad:
            raise argparse.ArgumentTypeError(
                f"{', '.join(bad)} not in {', '.join(choices)}"
            )
        return out

    return parse


def flat(values):
    return list(
        dict.fromkeys(y for x in values for y in ([x] if isinstance(x, str) else x))
    )


def image_parser(doc, prog):
    """The common parser over IMAGES, one steady call by default, and
    --images as another name for --only."""
    p = parser(
        doc,
        IMAGES,
        repeat_help="steady calls timed per method (default 1)",
        prog=prog,
    )
    p.set_defaults(repeat=1)
    p.add_argument(
        "--images",
        dest="only",
        nargs="+",
        type=names(IMAGES),
        default=argparse.SUPPRESS,
        help="same as --only; commas too",
    )
    return p


def options(argv):
    p = image_parser(__doc__, f"python -m {__spec__.name}")
    p.add_argument(
        "--methods",
        nargs="+",
        type=names(METHODS),
        default=[list(METHODS)],
        help="fastapml methods",
    )
    p.add_argument("--peers", nargs="+", type=names(PEERS), default=[list(PEERS)])
    p.add_argument(
        "--dtype",
        nargs="+",
        type=names(DTYPES),
        default=[["float32"]],
        help="fastapml input dtypes",
    )
    p.add_argument("--stride", type=int, help="default: denoise()'s")
    p.add_argument("--rank-tol", type=float, default=0.05)
    p.add_argument("--sigma", type=float, default=25.0, help="on 0-255")
    p.add_argument("--size", type=int, default=512)
    p.add_argument(
        "--sweep",
        nargs="?",
        const="camera",
        choices=IMAGES,
        help="epll over stride x rank_tol on one image",
    )
    args = p.parse_args(argv)
    for name in ("only", "methods", "peers", "dtype"):
        setattr(args, name, flat(getattr(args, name)))
    if "bm3d" in args.peers and bm3d is None:
        print(
            "note: bm3d is not installed (pip install bm3d; non-commercial "
            "licence): skipped\n"
        )
        args.peers.remove("bm3d")
    args.size = max(16, int(round(args.size * args.scale)))
    args.sigma /= 255.0
    return args


def sweep(args, prior):
    clean = gray(args.sweep, args.size)
    y = noisy(clean, args.sigma, args.seed).astype(args.dtype[0])
    rows, base = [], None
    for stride, rank_tol in SWEEP:
        m = measure(
            partial(
                denoise, y, args.sigma, "epll", prior, stride=stride, rank_tol=rank_tol
            ),
            repeat=args.repeat,
        )
        score = psnr(clean, m["result"])
        base = base or (score, m["time"])
        rows.append(
            {
                "stride": stride,
                "rank_tol": rank_tol,
                "PSNR": f"{score:.2f}",
                "dPSNR": f"{score - base[0]:+.2f}",
                "first call": fmt_time(m["first"]),
                "steady": fmt_time(m["time"]),
                "speed-up": f"{base[1] / m['time']:.1f}x",
            }
        )
    print(
        f"bench.compare.denoise --sweep: epll on {args.sweep} {args.size}x"
        f"{args.size}, {args.dtype[0]}, sigma {255 * args.sigma:g}/255 "
        f"(noisy {psnr(clean, y):.2f} dB) on {machine()}"
    )
    print("dPSNR and speed-up against stride 1, rank_tol 0\n")
    print(table(rows, list(rows[0])))


def compare(args, prior):
    weight = tv_weight(args.sigma, args.seed) if "tv" in args.peers else None
    funcs = peers(args.sigma, weight)
    rows, score, steady = [], {}, {}
    for image in args.only:
        clean = gray(image, args.size)
        y = noisy(clean, args.sigma, args.seed)
        score[image, "noisy"] = psnr(clean, y)
        rows.append(
            {"image": image, "method": "noisy", "PSNR": f"{score[image, 'noisy']:.2f}"}
        )
        base = None
        runs = [
            (
                f"{m}" if d == args.dtype[0] else f"{m} {d}",
                d,
                partial(
                    denoise,
                    y.astype(d),
                    args.sigma,
                    m,
                    prior,
                    stride=args.stride,
                    rank_tol=args.rank_tol,
                ),
            )
            for m in args.methods
            for d in args.dtype
        ]
        runs += [(name, "float64", partial(funcs[name], y)) for name in args.peers]
        for label, dtype, func in runs:
            m = measure(func, repeat=args.repeat)
            base = base or m
            score[image, label] = psnr(clean, m["result"])
            steady[image, label] = m["time"]
            r = row(image, dtype, label, m)
            r["image"], r["method"] = r.pop("workload"), r.pop("library")
            r["peak mem"] = fmt_mib(peak_growth(func))
            r["ratio"] = "1.0x" if m is base else f"{m['time'] / base['time']:.3g}x"
            r["PSNR"] = f"{score[image, label]:.2f}"
            rows.append(r)
    base_label = runs[0][0]
    print(
        f"bench.compare.denoise ({len(args.only)} images, {args.size}x{args.size}, "
        f"sigma {255 * args.sigma:g}/255, seed {args.seed}) on {machine()}"
    )
    print(
        f"fastapml: default prior, stride {args.stride or 'default'}, rank_tol "
        f"{args.rank_tol}" + (f"; TV weight {weight:g}" if weight else "")
    )
    print(f"ratio = steady time / {base_label} steady time\n")
    print(
        table(
            rows,
            [
                "image",
                "method",
                "dtype",
                "PSNR",
                "first call",
                "steady",
                "ratio",
                "peak mem",
            ],
        )
    )

    labels = ["noisy"] + list(dict.fromkeys(label for label, _, _ in runs))
    print(f"\nmean PSNR (dB) over {', '.join(args.only)}:")
    means = {label: np.mean([score[i, label] for i in args.only]) for label in labels}
    print("  " + ", ".join(f"{label} {v:.2f}" for label, v in means.items()))
    summary = []
    for image in args.only:
        s = {k: v for (i, k), v in score.items() if i == image}
        t = {k: v for (i, k), v in steady.items() if i == image}
        r = {"image": image}
        for label in OURS:
            if label not in s:
                continue
            r[f"{label} time"] = t[label]
            if "bm3d" in s:
                r[f"{label} - bm3d"] = s[label] - s["bm3d"]
                r[f"bm3d / {label}"] = t["bm3d"] / t[label]
        best = max((p for p in SKIMAGE if p in s), key=s.get, default=None)
        if "epll" in s and best:
            r["epll - best skimage"] = s["epll"] - s[best]
            r["best skimage"] = best
        summary.append(r)
    if len(summary) > 1:
        summary.append(
            {
                "image": "mean",
                **{
                    k: np.mean([r[k] for r in summary])
                    for k in summary[0]
                    if isinstance(summary[0][k], float)
                },
            }
        )
    for r in summary:
        for k, v in r.items():
            if isinstance(v, float):
                r[k] = (
                    fmt_time(v)
                    if k.endswith("time")
                    else f"{v:.1f}x"
                    if k.startswith("bm3d /")
                    else f"{v:+.2f} dB"
                )
    columns = ["image"]
    columns += [f"{label} - bm3d" for label in OURS]
    columns += ["epll - best skimage", "best skimage"]
    columns += [f"{label} time" for label in OURS]
    columns += [f"bm3d / {label}" for label in OURS]
    columns = [c for c in columns if c in summary[0]]
    if len(columns) > 1:
        print()
        print(table(summary, columns))


def main(argv=None):
    args = options(argv)
    prior = default_prior()
    if args.sweep:
        sweep(args, prior)
    else:
        compare(args, prior)


if __name__ == "__main__":
    run_script(main)
