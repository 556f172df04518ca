"""``fastapml restore``: deblurring, inpainting and super-resolution of image
files with the patch prior (EPLL, :func:`fastapml.denoise.restore`)."""

import sys

import numpy as np

from ._common import add_json_option, print_json
from ._npy import load_finite_matrix
from .denoise import (
    _check_image_path,
    _read_image,
    _save_image,
    check_sigma_option,
    estimated_sigma,
    scores,
    timed,
)

MASK_SIGMA = 1.0  # --sigma for --mask when none is given (0-255 scale)


def add_parser(subparsers):
    """Add the ``restore`` command."""
    p = subparsers.add_parser(
        "restore",
        help="deblur, inpaint or upscale an image with the patch prior (EPLL)",
        description="Restore an 8-bit grayscale (L) or RGB image degraded by "
        "one of: a blur (--psf), missing pixels (--mask), or downsampling "
        "(--upscale), plus Gaussian noise.  EPLL by half-quadratic splitting "
        "under the shipped patch prior (fastapml.denoise.restore).",
    )
    p.add_argument("input", help="degraded image (PNG, TIFF, ...)")
    p.add_argument(
        "-o", "--output", metavar="FILE", required=True, help="restored image"
    )
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--psf",
        metavar="FILE",
        help="deblur: the point-spread function as a 2-D .npy array (centred "
        "at [h // 2, w // 2]; periodic boundaries)",
    )
    what.add_argument(
        "--mask",
        metavar="FILE",
        help="inpaint: an image of the input's size whose non-zero pixels are "
        "the missing ones",
    )
    what.add_argument(
        "--upscale",
        type=int,
        metavar="N",
        help="super-resolve by N: each input pixel is the mean of an N x N block",
    )
    p.add_argument(
        "--sigma",
        type=float,
        help="noise standard deviation on the 0-255 scale (default: estimated "
        f"from the image; {MASK_SIGMA:g} with --mask)",
    )
    p.add_argument(
        "--method",
        choices=("epll", "nonlocal"),
        help="nonlocal (--mask only, and its default) follows EPLL with a "
        "non-local Bayes step; epll alone (the default otherwise)",
    )
    p.add_argument(
        "--stride",
        type=int,
        metavar="N",
        help="use every N-th patch in each direction, on a grid shifted at "
        "every step (default 4; 2 is about 4x slower)",
    )
    p.add_argument(
        "--prior",
        metavar="FILE",
        help="patch prior saved by PatchPrior.save (.npz; default: the shipped prior)",
    )
    p.add_argument(
        "--reference",
        metavar="FILE",
        help="clean image of the output's size: print PSNR and SSIM against it",
    )
    add_json_option(
        p,
        "task (deblur, inpaint or upscale), method, sigma, sigma_estimated, stride "
        "(null: the default), "
        "width, height (of the output), mode, seconds, first_call_seconds "
        "(compile or cache load), psnr and ssim (against --reference; null "
        "without one), input, reference, output",
    )
    p.set_defaults(
        func=run,
        input_paths=(
            ("INPUT", "input"),
            ("--psf", "psf"),
            ("--mask", "mask"),
            ("--prior", "prior"),
            ("--reference", "reference"),
        ),
        output_paths=(("-o", "output"),),
    )


def _operator(args, image):
    """The degradation the options name, and the task's name."""
    from ..denoise import blur, downsample, mask

    if args.psf:
        psf = load_finite_matrix(args.psf)
        if psf.shape[0] > image.shape[0] or psf.shape[1] > image.shape[1]:
            raise ValueError(
                f"--psf {args.psf} is {psf.shape[1]}x{psf.shape[0]}, larger than "
                f"{args.input}"
            )
        if not psf.any():
            raise ValueError(f"--psf {args.psf} is all zeros")
        return blur(psf.astype(np.float64)), "deblur"
    if args.mask:
        missing = _read_image(args.mask)
        if missing.shape[:2] != image.shape[:2]:
            raise ValueError(
                f"--mask {args.mask} is {missing.shape[1]}x{missing.shape[0]}, "
                f"{args.input} is {image.shape[1]}x{image.shape[0]}"
            )
        keep = ~(missing.reshape(missing.shape[:2] + (-1,)).any(axis=2))
        if not keep.any():
            raise ValueError(f"--mask {args.mask} marks every pixel missing")
        return mask(keep), "inpaint"
    if args.upscale < 1:
        raise ValueError(f"--upscale must be >= 1, got {args.upscale}")
    return downsample(args.upscale), "upscale"


def run(args):
    """``restore``: one image file."""
    from PIL import Image

    from ..denoise import PatchPrior, default_prior, restore

    check_sigma_option(args.sigma)
    if args.stride is not None and args.stride < 1:
        raise ValueError(f"--stride must be >= 1, got {args.stride}")
    if args.method == "nonlocal" and not args.mask:
        raise ValueError("--method nonlocal needs --mask (it inpaints only)")
    method = args.method or ("nonlocal" if args.mask else "epll")
    _check_image_path(args.output)
    prior = PatchPrior.load(args.prior) if args.prior else default_prior()
    image = _read_image(args.input)
    op, task = _operator(args, image)
    shape = op.input_shape(image.shape[:2])
    if min(shape) < prior.patch_size:
        raise ValueError(
            f"the output would be {shape[1]}x{shape[0]} pixels, smaller than "
            f"the prior's {prior.patch_size}x{prior.patch_size} patches"
        )
    clean = None
    if args.reference:
        clean = _read_image(args.reference)
        want = shape + image.shape[2:]
        if clean.shape != want:
            raise ValueError(
                f"--reference {args.reference} has shape {clean.shape}; the "
                f"output will have {want}"
            )
    sigma, estimated = args.sigma, False
    if sigma is None and task == "inpaint":
        sigma = MASK_SIGMA
    elif sigma is None:
        sigma, estimated = estimated_sigma(image, args.input), True
    mode = "RGB" if image.ndim == 3 else "L"
    print(
        f"{task} {args.input} ({image.shape[1]}x{image.shape[0]} {mode}) to "
        f"{shape[1]}x{shape[0]}, sigma {sigma:.3g}",
        file=sys.stderr,
        flush=True,
    )

    def call(y, callback):
        return restore(
            y,
            op,
            sigma,
            prior,
            method=method,
            stride=args.stride,
            callback=callback,
        )

    # denoise's method of the same name compiles (or loads) the same kernels
    out, seconds, warm_s = timed(call, image, prior, method)
    _save_image(args.output, Image.fromarray(out))
    quality = scores(clean, out) if clean is not None else (float("nan"),) * 2
    if args.json:
        print_json(
            {
                "task": task,
                "method": method,
                "sigma": sigma,
                "sigma_estimated": estimated,
                "stride": args.stride,
                "width": shape[1],
                "height": shape[0],
                "mode": mode,
                "seconds": seconds,
                "first_call_seconds": warm_s,
                "psnr": quality[0],
                "ssim": quality[1],
                "input": args.input,
                "reference": args.reference,
                "output": args.output,
            }
        )
        return 0
    print(
        f"time: {seconds:.2f} s (plus {warm_s:.2f} s first call: compile or cache load)"
    )
    if clean is not None:
        print(
            f"against {args.reference}: PSNR {quality[0]:.2f} dB, SSIM {quality[1]:.4f}"
        )
    print(f"wrote {args.output}")
    return 0
