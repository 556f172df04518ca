"""``fastapml denoise``: patch-prior denoising of image files or of the
embedded demo image, and the denoising part of ``fastapml demo``."""

import os
import sys
import time
import warnings

import numpy as np

from .._files import replaced_atomically
from ._common import add_json_option, print_json, warn

DEMO_IMAGE = "demo_image.npz"  # in fastapml/data/, from scripts/make_demo_image.py
CAPTION = 20  # pixels of caption strip under each panel of the --demo picture


def add_parser(subparsers):
    """Add the ``denoise`` command."""
    p = subparsers.add_parser(
        "denoise",
        help="remove Gaussian noise from an image with a patch prior (EPLL, "
        "MMSE or one Gaussian)",
        description="Denoise an 8-bit grayscale (L) or RGB image read with "
        "Pillow; LA and RGBA lose their alpha channel, other modes are "
        "refused.  With --demo: the embedded astronaut crop plus noise, shown "
        "noisy | denoised | clean.",
    )
    p.add_argument("input", nargs="?", help="noisy image (PNG, TIFF, ...)")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="denoised image, format from the extension; with --demo the "
        "side-by-side picture (optional)",
    )
    p.add_argument(
        "--sigma",
        type=float,
        help="noise standard deviation on the 0-255 scale (default: estimated "
        "from the image; 25 with --demo)",
    )
    p.add_argument(
        "--method",
        choices=("epll", "nonlocal", "mmse", "gaussian"),
        default="epll",
        help="default epll; nonlocal (EPLL, then a non-local Bayes step) is "
        "the best and slowest",
    )
    p.add_argument(
        "--stride",
        type=int,
        metavar="N",
        help="use every N-th patch in each direction (default 2 for epll and "
        "mmse (and nonlocal's EPLL), 1 for gaussian; 1 is about 4x slower than 2)",
    )
    p.add_argument(
        "--prior",
        metavar="FILE",
        help="patch prior saved by PatchPrior.save (.npz; default: the shipped prior)",
    )
    p.add_argument(
        "--reference",
        metavar="FILE",
        help="clean image: print the PSNR of the input and the output against it",
    )
    p.add_argument(
        "--demo", action="store_true", help="denoise the embedded demo image"
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="N",
        help="noise seed for --demo (default 0)",
    )
    add_json_option(
        p,
        "method, sigma, stride (null: the method's default), width, height, "
        "mode, seconds, first_call_seconds (compile or cache load), psnr_noisy "
        "and psnr_denoised (dB), ssim_noisy and ssim_denoised (against "
        "--reference or the --demo clean image; null without one), input, "
        "reference, demo, output",
    )
    p.set_defaults(
        func=run,
        input_paths=(
            ("INPUT", "input"),
            ("--prior", "prior"),
            ("--reference", "reference"),
        ),
        output_paths=(("-o", "output"),),
    )


def demo_image():
    """The embedded 256 x 256 uint8 grayscale crop of the astronaut photo."""
    from importlib import resources

    from .._archive import read_arrays

    with resources.as_file(resources.files("fastapml") / "data" / DEMO_IMAGE) as path:
        return read_arrays(path, "demo image")["image"]


# Largest image the command reads: denoising needs about 60 bytes a pixel,
# so this is about 2 GiB of working memory.
MAX_PIXELS = 32 * 2**20


def add_noise(clean, sigma, seed):
    """``clean`` plus N(0, sigma^2) noise, rounded and clipped to uint8."""
    noise = np.random.default_rng(seed).normal(0.0, sigma, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def _read_image(path):
    """An image file as uint8 (H, W) for mode L or (H, W, 3) for RGB; LA and
    RGBA lose their alpha channel, other modes are refused."""
    from PIL import Image

    try:
        with warnings.catch_warnings():  # our own limit follows, with a message
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path)  # reads the header only
        with img:
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"{path} is {width} x {height} pixels ({width * height / 1e6:.0f} "
                    f"megapixels); denoise reads up to {MAX_PIXELS / 1e6:.1f} "
                    "megapixels (it needs about 60 bytes a pixel): crop or tile it"
                )
            img.load()
            mode = img.mode
            if mode in ("LA", "RGBA"):
                warn(f"{path}: dropping the alpha channel of a {mode} image")
                img = img.convert(mode[:-1])
            elif mode not in ("L", "RGB"):
                raise ValueError(
                    f"{path} is a {mode} image; denoise reads 8-bit grayscale (L) "
                    "or RGB images: convert it first"
                )
            return np.asarray(img)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (OSError, SyntaxError, Image.DecompressionBombError) as err:
        raise ValueError(f"{path} is not an image Pillow can read: {err}") from None


def _check_image_path(path):
    """Fail before the work starts if Pillow cannot write ``path``'s format."""
    from PIL import Image

    ext = os.path.splitext(path)[1].lower()
    if Image.registered_extensions().get(ext) not in Image.SAVE:
        what = f"{ext} files" if ext else "a file without an extension"
        raise ValueError(f"-o {path}: Pillow cannot write {what} (use e.g. .png)")


def _save_image(path, image):
    """``image.save(path)``, format from the extension, atomically."""
    with replaced_atomically(path, os.path.splitext(path)[1].lower()) as tmp:
        image.save(tmp)


def timed(run, image, prior, method="epll"):
    """``run(image, callback)`` after denoising a small image with ``prior``
    by ``method`` (which compiles or loads the same kernels), printing each
    EPLL step to stderr; (out, seconds, warm-up seconds)."""
    from ..denoise import denoise

    channels = 3 if image.ndim == 3 else 1
    calls = 0

    def report(step, n_steps, beta):
        nonlocal calls
        calls += 1
        channel = ""
        if channels > 1:
            channel = f"channel {(calls - 1) // n_steps + 1}/{channels} "
        print(
            f"{channel}step {step}/{n_steps} beta={beta:.4g} "
            f"({time.perf_counter() - start:.2f} s)",
            file=sys.stderr,
            flush=True,
        )

    start = time.perf_counter()
    p = prior.patch_size
    # image computations run in float32 (uint8 images) or the image's dtype
    dtype = np.float64 if image.dtype == np.float64 else np.float32
    small = np.random.default_rng(0).random((2 * p, 2 * p)).astype(dtype)
    denoise(small, 0.1, method, prior)
    warm_s = time.perf_counter() - start
    start = time.perf_counter()
    out = run(image, report)
    return out, time.perf_counter() - start, warm_s


def _denoise_timed(noisy, sigma, method, prior, stride):
    """:func:`timed` denoising."""
    from ..denoise import denoise

    def run(image, callback):
        return denoise(image, sigma, method, prior, stride=stride, callback=callback)

    return timed(run, noisy, prior, method)


def _side_by_side(panels, captions):
    """Equal-size grayscale panels in a row, a caption strip below each."""
    from PIL import Image, ImageDraw

    h, w = panels[0].shape
    canvas = Image.new("L", (w * len(panels), h + CAPTION), 255)
    draw = ImageDraw.Draw(canvas)
    for i, (panel, caption) in enumerate(zip(panels, captions)):
        canvas.paste(Image.fromarray(panel), (i * w, 0))
        _, _, right, bottom = draw.textbbox((0, 0), caption)
        draw.text(
            (i * w + (w - right) // 2, h + (CAPTION - bottom) // 2), caption, fill=0
        )
    return canvas


def scores(clean, image):
    """PSNR (dB) and SSIM of a uint8 ``image`` against ``clean``."""
    from ..denoise import psnr, ssim

    return psnr(clean, image, 255), ssim(clean, image, 255)


def check_sigma_option(sigma):
    """Raise unless --sigma is absent (None) or a positive number."""
    if sigma is not None and not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(
            f"--sigma must be a positive number (on the 0-255 scale), got {sigma:g}"
        )


def estimated_sigma(image, name):
    """:func:`~fastapml.denoise.estimate_sigma` of a uint8 image (0-255
    scale), printed to stderr."""
    from ..denoise import estimate_sigma

    sigma = estimate_sigma(image)
    print(
        f"estimated the noise of {name}: sigma {sigma:.3g} (0-255 scale; "
        "Chen, Zhu & Heng 2015)",
        file=sys.stderr,
        flush=True,
    )
    if not sigma > 0:
        raise ValueError(f"{name} looks noise-free (estimated sigma 0): give --sigma")
    return sigma


def _check_args(args):
    """The option combinations and values ``denoise`` accepts; the sigma."""
    if args.demo and (args.input or args.reference):
        raise ValueError(
            "--demo denoises the embedded image: give no input image and no --reference"
        )
    if not args.demo and not (args.input and args.output):
        raise ValueError("give an input image and -o/--output (or --demo)")
    sigma = 25.0 if args.demo and args.sigma is None else args.sigma
    check_sigma_option(sigma)
    if args.stride is not None and args.stride < 1:
        raise ValueError(f"--stride must be >= 1, got {args.stride}")
    if args.output:
        _check_image_path(args.output)
    return sigma


def run(args):
    """``denoise``: an image file, or the embedded demo image with --demo."""
    from PIL import Image

    from ..denoise import PatchPrior, default_prior

    sigma = _check_args(args)
    prior = PatchPrior.load(args.prior) if args.prior else default_prior()
    clean = None
    if args.demo:
        clean = demo_image()
        noisy = add_noise(clean, sigma, args.seed)
        name = f"the embedded demo image + noise (seed {args.seed})"
    else:
        noisy, name = _read_image(args.input), args.input
        if args.reference:
            clean = _read_image(args.reference)
            if clean.shape != noisy.shape:
                raise ValueError(
                    f"--reference {args.reference} has shape {clean.shape}, "
                    f"{args.input} has {noisy.shape}"
                )
    if sigma is None:
        sigma = estimated_sigma(noisy, name)
    height, width = noisy.shape[:2]
    if min(height, width) < prior.patch_size:
        raise ValueError(
            f"{name} is {width}x{height} pixels, smaller than the prior's "
            f"{prior.patch_size}x{prior.patch_size} patches"
        )
    mode = "RGB" if noisy.ndim == 3 else "L"
    print(
        f"denoising {name} ({width}x{height} {mode}) with {args.method}, sigma "
        f"{sigma:g}",
        file=sys.stderr,
        flush=True,
    )
    out, seconds, warm_s = _denoise_timed(noisy, sigma, args.method, prior, args.stride)
    before = after = ssim_before = ssim_after = float("nan")
    if clean is not None:
        before, ssim_before = scores(clean, noisy)
        after, ssim_after = scores(clean, out)
    if args.demo and args.output:
        captions = [f"noisy {before:.2f} dB", f"{args.method} {after:.2f} dB", "clean"]
        _save_image(args.output, _side_by_side([noisy, out, clean], captions))
    elif args.output:
        _save_image(args.output, Image.fromarray(out))
    if args.json:
        print_json(
            {
                "method": args.method,
                "sigma": sigma,
                "stride": args.stride,
                "width": width,
                "height": height,
                "mode": mode,
                "seconds": seconds,
                "first_call_seconds": warm_s,
                "psnr_noisy": before,
                "psnr_denoised": after,
                "ssim_noisy": ssim_before,
                "ssim_denoised": ssim_after,
                "input": args.input,
                "reference": args.reference,
                "demo": args.demo,
                "output": args.output,
            }
        )
        return 0
    print(
        f"time: {seconds:.2f} s (plus {warm_s:.2f} s first call: compile or cache load)"
    )
    if clean is not None:
        against = "the clean image" if args.demo else args.reference
        print(f"PSNR against {against}: input {before:.2f} dB, output {after:.2f} dB")
        print(
            f"SSIM against {against}: input {ssim_before:.4f}, output {ssim_after:.4f}"
        )
    if args.demo and args.output:
        print(f"wrote noisy | {args.method} | clean to {args.output}")
    elif args.output:
        print(f"wrote {args.output}")
    return 0


def demo(seed):
    """MMSE denoising of a 128 x 128 crop of the demo image at sigma 25.

    Returns
    -------
    dict
        ``psnr_noisy`` and ``psnr_denoised`` in dB against the clean crop.
    """
    from ..denoise import default_prior, psnr

    clean = demo_image()[40:168, 64:192]
    noisy = add_noise(clean, 25, seed)
    prior = default_prior()
    p = prior.patch_size
    print(
        "\nPatch-prior denoising (fastapml.denoise, mmse) of a 128x128 crop of "
        f"the astronaut photo, Gaussian noise sigma 25 (0-255), "
        f"{prior.n_components}-component {p}x{p}-patch default prior"
    )
    out, seconds, warm_s = _denoise_timed(noisy, 25, "mmse", prior, None)
    result = {
        "psnr_noisy": psnr(clean, noisy, 255),
        "psnr_denoised": psnr(clean, out, 255),
    }
    print(
        f"  PSNR noisy {result['psnr_noisy']:.2f} dB, denoised "
        f"{result['psnr_denoised']:.2f} dB in {1e3 * seconds:.0f} ms (first call "
        f"{warm_s:.2f} s: compile or cache load)"
    )
    return result
