"""fastapml denoise (files and --demo): the images written, ``--json`` PSNRs
against the library's psnr of those images, errors; the denoising part of
the demo."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from fastapml import cli
from fastapml.cli import denoise as denoise_cli
from fastapml.denoise import default_prior, estimate_sigma, psnr, ssim

SIGMA = 25


def noisy_copy(clean, seed=0):
    noise = np.random.default_rng(seed).normal(0, SIGMA, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def write(path, array, mode=None):
    image = Image.fromarray(array)
    (image.convert(mode) if mode else image).save(path)
    return str(path)


def read(path):
    with Image.open(path) as image:
        return np.asarray(image), image.mode


@pytest.fixture
def gray(tmp_path):
    """A 40 x 40 crop of the demo image: (clean.png, noisy.png)."""
    clean = denoise_cli.demo_image()[100:140, 100:140]
    return (
        write(tmp_path / "clean.png", clean),
        write(tmp_path / "noisy.png", noisy_copy(clean)),
    )


@pytest.fixture
def colour(tmp_path):
    g = denoise_cli.demo_image()[100:140, 100:140].astype(np.float64)
    clean = np.stack([g, 0.6 * g + 50, 255 - g], axis=2).astype(np.uint8)
    return (
        write(tmp_path / "clean_rgb.png", clean),
        write(tmp_path / "noisy_rgb.png", noisy_copy(clean)),
    )


def run_json(capsys, argv):
    """``main(argv + --json)``: exit 0, stdout one JSON object; (it, stderr)."""
    assert cli.main([*argv, "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 1, out
    return json.loads(out), err


def denoise_file(capsys, noisy, clean, output, *extra):
    """``denoise --reference --json``, checked against the images on disk."""
    argv = ["denoise", noisy, "-o", str(output), "--sigma", str(SIGMA)]
    result, err = run_json(capsys, [*argv, "--reference", clean, *extra])
    clean_pixels, noisy_pixels = read(clean)[0], read(noisy)[0]
    if noisy_pixels.ndim == 3:
        noisy_pixels = noisy_pixels[..., :3]  # as denoise drops RGBA's alpha
    assert result["psnr_noisy"] == psnr(clean_pixels, noisy_pixels, 255)
    assert result["psnr_denoised"] == psnr(clean_pixels, read(output)[0], 255)
    assert result["sigma"] == SIGMA and result["reference"] == clean
    assert result["output"] == str(output) and result["seconds"] >= 0
    return result, err


@pytest.mark.parametrize("method", ["gaussian", "mmse", "epll", "nonlocal"])
def test_round_trip_improves_psnr(gray, tmp_path, capsys, method):
    clean, noisy = gray
    output = tmp_path / "out.png"
    result, err = denoise_file(
        capsys, noisy, clean, output, "--method", method, "--stride", "2"
    )
    assert read(output)[0].shape == (40, 40) and read(output)[1] == "L"
    assert result["psnr_denoised"] > result["psnr_noisy"] + 3
    assert result["method"] == method and result["stride"] == 2
    assert (result["width"], result["height"], result["mode"]) == (40, 40, "L")
    # EPLL reports each of its steps on stderr (stdout holds only the JSON)
    steps = re.findall(r"^step (\d)/5 beta=", err, re.M)
    assert steps == (list("12345") if method in ("epll", "nonlocal") else [])


def test_report_for_people(gray, tmp_path, capsys):
    clean, noisy = gray
    output = tmp_path / "out.png"
    argv = ["denoise", noisy, "-o", str(output), "--sigma", str(SIGMA)]
    assert cli.main([*argv, "--reference", clean, "--method", "gaussian"]) == 0
    out = capsys.readouterr().out
    assert "PSNR against" in out and f"wrote {output}" in out


def test_colour_and_alpha(colour, tmp_path, capsys):
    clean, noisy = colour
    output = tmp_path / "out.png"
    result, _ = denoise_file(
        capsys, noisy, clean, output, "--method", "mmse", "--stride", "2"
    )
    assert result["psnr_denoised"] > result["psnr_noisy"] + 3
    assert result["mode"] == "RGB" and read(output)[1] == "RGB"
    assert read(output)[0].shape == (40, 40, 3)

    rgba = write(tmp_path / "noisy_rgba.png", read(noisy)[0], "RGBA")
    _, err = denoise_file(
        capsys, rgba, clean, output, "--method", "gaussian", "--stride", "3"
    )
    assert "dropping the alpha channel" in err
    assert read(output)[1] == "RGB"


def test_prior_file(gray, tmp_path, capsys):
    clean, noisy = gray
    prior = tmp_path / "prior.npz"
    default_prior().save(prior)
    for name, extra in (("a.png", []), ("b.png", ["--prior", str(prior)])):
        argv = ["denoise", noisy, "-o", str(tmp_path / name), "--sigma", str(SIGMA)]
        assert cli.main([*argv, "--method", "mmse", "--stride", "2", *extra]) == 0
    np.testing.assert_array_equal(
        read(tmp_path / "a.png")[0], read(tmp_path / "b.png")[0]
    )
    capsys.readouterr()
    argv = ["denoise", noisy, "-o", str(tmp_path / "c.png"), "--sigma", str(SIGMA)]
    assert cli.main([*argv, "--prior", noisy]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("fastapml: error: ")
    assert "noisy.png" in err and "PatchPrior" in err
    assert not (tmp_path / "c.png").exists()


def test_demo_writes_noisy_denoised_clean(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "demo.png"
    argv = ["denoise", "--demo", "-o", str(output), "--method", "mmse"]
    result, _ = run_json(capsys, [*argv, "--stride", "3", "--seed", "1"])
    clean = denoise_cli.demo_image()
    picture = read(output)[0]
    h, w = clean.shape
    assert picture.shape[1] == 3 * w and picture.shape[0] > h
    np.testing.assert_array_equal(picture[:h, :w], noisy_copy(clean, 1))
    np.testing.assert_array_equal(picture[:h, 2 * w :], clean)
    assert (picture[h:] < 128).any()  # the captions
    assert result["psnr_noisy"] == psnr(clean, noisy_copy(clean, 1), 255)
    assert result["psnr_denoised"] == psnr(clean, picture[:h, w : 2 * w], 255)
    assert result["psnr_denoised"] > result["psnr_noisy"] + 3
    assert result["demo"] and result["sigma"] == 25 and result["input"] is None

    argv = ["denoise", "--demo", "--method", "gaussian", "--stride", "3"]
    result, _ = run_json(capsys, argv)
    assert result["psnr_noisy"] == psnr(clean, noisy_copy(clean, 0), 255)
    assert result["output"] is None
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]


def test_without_a_reference_json_psnrs_are_null(gray, tmp_path, capsys):
    _, noisy = gray
    argv = ["denoise", noisy, "-o", str(tmp_path / "out.png"), "--sigma", "25"]
    result, _ = run_json(capsys, [*argv, "--method", "gaussian"])
    assert result["psnr_noisy"] is None and result["psnr_denoised"] is None
    assert result["reference"] is None and (tmp_path / "out.png").exists()


def test_without_sigma_it_is_estimated(gray, tmp_path, capsys):
    clean, noisy = gray
    argv = ["denoise", noisy, "-o", str(tmp_path / "out.png"), "--reference", clean]
    result, err = run_json(capsys, argv)
    want = estimate_sigma(read(noisy)[0])
    assert result["sigma"] == want and f"sigma {want:.3g}" in err
    out, clean_image = read(tmp_path / "out.png")[0], read(clean)[0]
    assert result["ssim_denoised"] == ssim(clean_image, out, 255)
    assert result["ssim_denoised"] > result["ssim_noisy"]


def test_a_noise_free_image_asks_for_sigma(tmp_path, capsys):
    flat = write(tmp_path / "flat.png", np.full((32, 32), 7, np.uint8))
    assert cli.main(["denoise", flat, "-o", str(tmp_path / "o.png")]) == 2
    assert "give --sigma" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.png", "--sigma", "25"], "missing.png"),
        (["noisy.png", "--sigma", "0"], "--sigma must be a positive number"),
        (["noisy.png", "--sigma", "-5"], "--sigma must be a positive number"),
        (
            ["noisy.png", "--sigma", "25", "--reference", "small.png"],
            "--reference small.png has shape (20, 20), noisy.png has (40, 40)",
        ),
        (
            ["noisy.png", "--sigma", "25", "--reference", "rgb.png"],
            "has shape (40, 40, 3)",
        ),
        (["text.png", "--sigma", "25"], "text.png is not an image Pillow can read"),
        (["palette.png", "--sigma", "25"], "palette.png is a P image"),
        (["noisy.png", "--sigma", "25", "--stride", "0"], "--stride must be >= 1"),
        (["noisy.png", "--sigma", "25", "--demo"], "--demo denoises the embedded"),
        (
            ["huge.png", "--sigma", "25"],
            "huge.png is 6000 x 6000 pixels (36 megapixels)",
        ),
        (["noisy.png", "--sigma", "1e300"], "sigma must be between"),
    ],
)
def test_errors_exit_2_with_a_message(
    gray, tmp_path, capsys, monkeypatch, args, message
):
    _, noisy = gray
    monkeypatch.chdir(tmp_path)
    clean = denoise_cli.demo_image()[:40, :40]
    write("small.png", clean[:20, :20])
    write("rgb.png", clean, "RGB")
    write("palette.png", clean, "P")
    (tmp_path / "text.png").write_text("not an image")
    if "huge.png" in args:  # 36 megapixels, a few kilobytes
        Image.new("L", (6000, 6000)).save("huge.png")
    assert cli.main(["denoise", *args, "-o", "out.png", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = err.splitlines()[-1]  # after the progress line, if denoising began
    assert line.startswith("fastapml: error:") and message in line
    assert not (tmp_path / "out.png").exists()


def test_output_format_checked_before_denoising(gray, tmp_path, capsys):
    _, noisy = gray
    for name in ("out.xyz", "out"):
        argv = ["denoise", noisy, "-o", str(tmp_path / name), "--sigma", "25"]
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Pillow cannot write" in err
    assert cli.main(["denoise", noisy, "--sigma", "25"]) == 2
    assert "-o/--output" in capsys.readouterr().err


def test_demo_part(capsys):
    clean = denoise_cli.demo_image()
    assert clean.shape == (256, 256) and clean.dtype == np.uint8
    result = denoise_cli.demo(0)
    assert result["psnr_denoised"] > result["psnr_noisy"] + 3
    crop = clean[40:168, 64:192]
    assert result["psnr_noisy"] == psnr(crop, noisy_copy(crop, 0), 255)
    out = capsys.readouterr().out  # for people: a light check only
    assert "Patch-prior denoising" in out and "128x128 crop" in out
