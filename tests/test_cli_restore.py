"""fastapml restore: deblurring, inpainting and upscaling of image files, the
--reference scores against the library's, and errors."""

import json

import numpy as np
import pytest
from PIL import Image

from fastapml import cli
from fastapml.cli import denoise as denoise_cli
from fastapml.denoise import blur, downsample, psnr, ssim


def write(path, array):
    Image.fromarray(array).save(path)
    return str(path)


def read(path):
    with Image.open(path) as image:
        return np.asarray(image)


def as_uint8(x):
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


@pytest.fixture
def files(tmp_path):
    """clean.png (48 x 48), a blurred copy with its psf.npy, a copy with
    holes and its mask.png, and a half-size copy."""
    clean = denoise_cli.demo_image()[100:148, 100:148]
    x = clean.astype(np.float64)
    psf = np.full((3, 3), 1 / 9)
    np.save(tmp_path / "psf.npy", psf)
    missing = np.random.default_rng(0).random(x.shape) < 0.4
    return {
        "clean": write(tmp_path / "clean.png", clean),
        "blurred": write(tmp_path / "blurred.png", as_uint8(blur(psf).apply(x))),
        "psf": str(tmp_path / "psf.npy"),
        "holes": write(tmp_path / "holes.png", np.where(missing, 0, clean)),
        "mask": write(tmp_path / "mask.png", (missing * 255).astype(np.uint8)),
        "small": write(tmp_path / "small.png", as_uint8(downsample(2).apply(x))),
    }


@pytest.mark.parametrize(
    "source, option, start",
    [
        ("blurred", ["--psf", "psf"], lambda y: y),
        ("holes", ["--mask", "mask"], None),
        ("holes", ["--mask", "mask", "--method", "epll"], None),
        ("small", ["--upscale", "2"], lambda y: downsample(2).initial(y)),
    ],
)
def test_each_task_writes_a_better_image(
    files, tmp_path, capsys, source, option, start
):
    out = str(tmp_path / "out.png")
    extra = [files.get(a, a) for a in option]
    argv = ["restore", files[source], *extra, "-o", out, "--reference", files["clean"]]
    assert cli.main([*argv, "--json", "--sigma", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    clean, restored = read(files["clean"]), read(out)
    assert restored.shape == clean.shape and restored.dtype == np.uint8
    assert result["psnr"] == psnr(clean, restored, 255)
    assert result["ssim"] == ssim(clean, restored, 255)
    # a mask's default is nonlocal
    mask_default = "--mask" in option and "epll" not in option
    assert result["method"] == ("nonlocal" if mask_default else "epll")
    if start is not None:  # better than where EPLL starts
        y = read(files[source]).astype(np.float64)
        assert result["psnr"] > psnr(clean, start(y), 255)
    else:  # better than the holes
        assert result["psnr"] > psnr(clean, read(files["holes"]), 255) + 10


def test_report_for_people_and_estimated_sigma(files, tmp_path, capsys):
    out = str(tmp_path / "out.png")
    argv = ["restore", files["blurred"], "--psf", files["psf"], "-o", out]
    assert cli.main([*argv, "--reference", files["clean"]]) == 0
    stdout, err = capsys.readouterr()
    assert "estimated the noise" in err and "step 16/16" in err
    assert "PSNR" in stdout and "SSIM" in stdout and f"wrote {out}" in stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["blurred.png", "--upscale", "0"], "--upscale must be >= 1"),
        (["blurred.png", "--psf", "big.npy"], "larger than"),
        (["blurred.png", "--psf", "zero.npy"], "all zeros"),
        (["blurred.png", "--psf", "nan.npy"], "NaN"),
        (["blurred.png", "--mask", "small.png"], "--mask small.png is 24x24"),
        (["blurred.png", "--mask", "all.png"], "every pixel missing"),
        (["blurred.png", "--psf", "psf.npy", "--sigma", "-1"], "--sigma must be"),
        (
            ["blurred.png", "--psf", "psf.npy", "--method", "nonlocal"],
            "--method nonlocal needs --mask",
        ),
        (
            ["blurred.png", "--psf", "psf.npy", "--reference", "small.png"],
            "--reference small.png has shape (24, 24)",
        ),
    ],
)
def test_errors_exit_2_with_a_message(
    files, tmp_path, capsys, monkeypatch, args, message
):
    monkeypatch.chdir(tmp_path)
    np.save("big.npy", np.ones((60, 3)))
    np.save("zero.npy", np.zeros((3, 3)))
    np.save("nan.npy", np.full((3, 3), np.nan))
    write("all.png", np.full((48, 48), 255, np.uint8))
    assert cli.main(["restore", *args, "-o", "out.png"]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("fastapml: error:") and message in err, err
    assert not (tmp_path / "out.png").exists()


def test_one_task_is_required(files, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["restore", files["blurred"], "-o", str(tmp_path / "o.png")])
    assert exit_.value.code == 2
    assert "one of the arguments --psf --mask --upscale" in capsys.readouterr().err
