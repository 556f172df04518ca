"""fastapml denoise (files and --demo) and the denoising part of demo."""
import re

import numpy as np
import pytest
from PIL import Image

from fastapml import cli
from fastapml.denoise import default_prior, psnr

SIGMA = 25


def noisy_copy(clean, seed=0):
    noise = np.random.default_rng(seed).normal(0, SIGMA, clean.shape)
    return np.clip(np.rint(clean + noise), 0, 255).astype(np.uint8)


def write(path, array, mode=None):
    image = Image.fromarray(array)
    (image.convert(mode) if mode else image).save(path)
    return str(path)


@pytest.fixture
def gray(tmp_path):
    """A 40 x 40 crop of the demo image: (clean.png, noisy.png)."""
    clean = cli._demo_image()[100:140, 100:140]
    return (write(tmp_path / "clean.png", clean),
            write(tmp_path / "noisy.png", noisy_copy(clean)))


@pytest.fixture
def colour(tmp_path):
    g = cli._demo_image()[100:140, 100:140].astype(np.float64)
    clean = np.stack([g, 0.6 * g + 50, 255 - g], axis=2).astype(np.uint8)
    return (write(tmp_path / "clean_rgb.png", clean),
            write(tmp_path / "noisy_rgb.png", noisy_copy(clean)))


def psnrs(out):
    """(input, output) PSNR printed by --reference or --demo."""
    found = re.search(r"input ([\d.]+) dB, output ([\d.]+) dB", out)
    assert found, out
    return float(found[1]), float(found[2])


def run_file(noisy, clean, output, *extra):
    return cli.main(["denoise", noisy, "-o", str(output), "--sigma",
                     str(SIGMA), "--reference", clean, *extra])


@pytest.mark.parametrize("method", ["gaussian", "mmse", "epll"])
def test_round_trip_improves_psnr(gray, tmp_path, capsys, method):
    clean, noisy = gray
    output = tmp_path / "out.png"
    assert run_file(noisy, clean, output, "--method", method,
                    "--stride", "2") == 0
    captured = capsys.readouterr()
    with Image.open(output) as image:
        assert image.mode == "L" and image.size == (40, 40)
    before, after = psnrs(captured.out)
    assert after > before + 3
    assert "time:" in captured.out and f"wrote {output}" in captured.out
    steps = re.findall(r"^step (\d)/5 beta=", captured.err, re.M)
    assert steps == (list("12345") if method == "epll" else [])


def test_colour_and_alpha(colour, tmp_path, capsys):
    clean, noisy = colour
    output = tmp_path / "out.png"
    assert run_file(noisy, clean, output, "--method", "mmse",
                    "--stride", "2") == 0
    before, after = psnrs(capsys.readouterr().out)
    assert after > before + 3
    with Image.open(output) as image:
        assert image.mode == "RGB" and image.size == (40, 40)

    with Image.open(noisy) as image:
        rgba = write(tmp_path / "noisy_rgba.png", np.asarray(image), "RGBA")
    assert run_file(rgba, clean, output, "--method", "gaussian",
                    "--stride", "3") == 0
    assert "dropping the alpha channel" in capsys.readouterr().err
    with Image.open(output) as image:
        assert image.mode == "RGB"


def test_prior_file(gray, tmp_path, capsys):
    clean, noisy = gray
    prior = tmp_path / "prior.npz"
    default_prior().save(prior)
    for name, extra in (("a.png", []), ("b.png", ["--prior", str(prior)])):
        assert run_file(noisy, clean, tmp_path / name, "--method", "mmse",
                        "--stride", "2", *extra) == 0
    with Image.open(tmp_path / "a.png") as a, Image.open(tmp_path / "b.png") as b:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    capsys.readouterr()
    assert run_file(noisy, clean, tmp_path / "c.png", "--prior", noisy) == 2
    assert "not a saved PatchPrior" in capsys.readouterr().err


def test_demo_writes_noisy_denoised_clean(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "demo.png"
    assert cli.main(["denoise", "--demo", "-o", str(output), "--method",
                     "mmse", "--stride", "3", "--seed", "1"]) == 0
    before, after = psnrs(capsys.readouterr().out)
    assert after > before + 3
    clean = cli._demo_image()
    with Image.open(output) as image:
        picture = np.asarray(image)
    h, w = clean.shape
    assert picture.shape[1] == 3 * w and picture.shape[0] > h
    np.testing.assert_array_equal(picture[:h, :w], noisy_copy(clean, 1))
    np.testing.assert_array_equal(picture[:h, 2 * w:], clean)
    assert (picture[h:] < 128).any()                    # the captions

    assert cli.main(["denoise", "--demo", "--method", "gaussian",
                     "--stride", "3"]) == 0
    out = capsys.readouterr().out
    assert psnrs(out)[0] == pytest.approx(psnr(clean, noisy_copy(clean, 0),
                                               255), abs=0.01)
    assert "wrote" not in out
    assert [p.name for p in tmp_path.iterdir()] == ["demo.png"]


@pytest.mark.parametrize("args, message", [
    (["missing.png", "--sigma", "25"], "missing.png"),
    (["noisy.png", "--sigma", "0"], "--sigma must be a positive number"),
    (["noisy.png", "--sigma", "-5"], "--sigma must be a positive number"),
    (["noisy.png"], "--sigma is required"),
    (["noisy.png", "--sigma", "25", "--reference", "small.png"],
     "--reference small.png has shape (20, 20), noisy.png has (40, 40)"),
    (["noisy.png", "--sigma", "25", "--reference", "rgb.png"],
     "has shape (40, 40, 3)"),
    (["text.png", "--sigma", "25"], "text.png is not an image Pillow can read"),
    (["palette.png", "--sigma", "25"], "palette.png is a P image"),
    (["noisy.png", "--sigma", "25", "--stride", "0"], "--stride must be >= 1"),
    (["noisy.png", "--sigma", "25", "--demo"], "--demo denoises the embedded"),
])
def test_errors_exit_2_with_a_message(gray, tmp_path, capsys, monkeypatch,
                                      args, message):
    _, noisy = gray
    monkeypatch.chdir(tmp_path)
    clean = cli._demo_image()[:40, :40]
    write("small.png", clean[:20, :20])
    write("rgb.png", clean, "RGB")
    write("palette.png", clean, "P")
    (tmp_path / "text.png").write_text("not an image")
    assert cli.main(["denoise", *args, "-o", "out.png"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fastapml: error:") and message in err
    assert not (tmp_path / "out.png").exists()


def test_output_format_checked_before_denoising(gray, tmp_path, capsys):
    _, noisy = gray
    for name in ("out.xyz", "out"):
        assert cli.main(["denoise", noisy, "-o", str(tmp_path / name),
                         "--sigma", "25"]) == 2
        assert "Pillow cannot write" in capsys.readouterr().err
    assert cli.main(["denoise", noisy, "--sigma", "25"]) == 2
    assert "-o/--output" in capsys.readouterr().err


def test_demo_command_includes_denoising(capsys, monkeypatch):
    for part in ("_demo_gmm", "_demo_cluster", "_demo_lagrange", "_demo_cnn"):
        monkeypatch.setattr(cli, part, lambda *args: None)
    assert cli.main(["demo", "--sentences", "40", "--em-iter", "1"]) == 0
    out = capsys.readouterr().out
    assert "Patch-prior denoising" in out and "128x128 crop" in out
    found = re.search(r"PSNR noisy ([\d.]+) dB, denoised ([\d.]+) dB", out)
    assert found and float(found[2]) > float(found[1]) + 3
