#!/usr/bin/env python3
"""Packs the test media the GPU tests use, for a machine without ffmpeg (scripts/gpu/prepare.sh).

    python scripts/gpu/pack_media.py --cache tests/.media --kit .gpu-kit

Which media: every recipe name (tests/media/recipes.py) written as a string literal in a test
module that has ``needs_cuda`` tests (tests/test_nvdec.py, tests/test_samples.py, ...): a little
more than those tests touch (the CPU tests of the same modules), never less, and nothing to keep
in step by hand. For each: the medium, its ffmpeg reference frames (``.ref.npz``) and ffprobe's
answers to the usual questions (``.probe-*.json``, tests/media/inspect.py), made or reused in the
normal media cache (--cache), then copied alone into a fresh folder, so the archive holds exactly
these files.

Writes KIT/media.tar.xz (one folder ``media/``), KIT/ffmpeg-version.txt (the first line of
``ffmpeg -version`` here: the media keys hold it, and check.sh hands it to the tests through
ODVD_TEST_MEDIA_FFMPEG_VERSION) and KIT/media.json (what is in the archive); skips the archive when
media.json says it holds the same files. Then checks the archive as the GPU machine will use it:
unpacked elsewhere, with no ffmpeg or ffprobe on PATH, every medium, reference and probe answer
must be found.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
sys.path.insert(0, str(TESTS))

from media import inspect  # noqa: E402  (tests/ is on sys.path only now)
from media.generate import FFMPEG_VERSION_ENV, MediaLibrary, ffmpeg_version  # noqa: E402
from media.recipes import RECIPES  # noqa: E402
from media.reference import load_reference  # noqa: E402


def needed_names():
    names = set()
    for module in sorted(TESTS.glob("test_*.py")):
        text = module.read_text()
        if "needs_cuda" in text:
            names |= set(re.findall(r"""["']([A-Za-z0-9_]+)["']""", text)) & set(RECIPES)
    return sorted(names)


def probe_all(lib, name):
    """The medium, its reference and ffprobe's answers the tests ask for (cached in lib's folder)."""
    m = lib[name]
    if RECIPES[name].expect.get("not_media"):
        return
    load_reference(m, lib.cache_dir)  # also asks video_stream (and frames when making the .npz)
    inspect.streams(m.path)
    inspect.container(m.path)
    inspect.packets(m.path)
    inspect.frames(m.path)


def stage(cache: Path, names, staging: Path):
    """Makes or reuses everything in ``cache``, then copies exactly what ``names`` need to ``staging``
    and asks the probes again there (answered from the copied cache entries or by ffprobe)."""
    lib = MediaLibrary(cache)
    for name in names:
        probe_all(lib, name)
    staging.mkdir(parents=True)
    for name in names:
        m = lib[name]
        for src in [m.path, *cache.glob(f"{m.path.stem}.ref.npz"), *cache.glob(f"{m.path.name}.probe-*.json")]:
            shutil.copy2(src, staging / src.name)
    staged = MediaLibrary(staging)
    for name in names:
        probe_all(staged, name)
    return sorted((p.name, p.stat().st_size) for p in staging.iterdir())


VERIFY = r"""
import sys
sys.path.insert(0, sys.argv[1])
from media import inspect
from media.generate import MediaLibrary
from media.recipes import RECIPES
from media.reference import load_reference
lib = MediaLibrary(sys.argv[2])
for name in sys.argv[3:]:
    m = lib[name]
    if not RECIPES[name].expect.get("not_media"):
        ref = load_reference(m, lib.cache_dir)
        inspect.streams(m.path), inspect.container(m.path), inspect.packets(m.path), inspect.frames(m.path)
print(f"checked {len(sys.argv) - 3} media without ffmpeg or ffprobe")
"""


def verify(archive: Path, version: str, names):
    with tempfile.TemporaryDirectory(prefix="odvd-media-check-") as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        empty = Path(tmp) / "no-tools"
        empty.mkdir()
        env = dict(os.environ, PATH=str(empty), **{FFMPEG_VERSION_ENV: version})
        res = subprocess.run([sys.executable, "-c", VERIFY, str(TESTS), str(Path(tmp) / "media"), *names],
                             env=env, capture_output=True, text=True, cwd=tmp)
        if res.returncode != 0:
            sys.exit(f"pack_media: the archive is not enough without ffmpeg:\n{res.stderr[-3000:]}")
        print(f"pack_media: {res.stdout.strip()}", file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cache", type=Path, default=Path(os.environ.get("ODVD_TEST_MEDIA_DIR", TESTS / ".media")),
                   help="the media cache to make or reuse them in (default: $ODVD_TEST_MEDIA_DIR or tests/.media)")
    p.add_argument("--kit", type=Path, default=ROOT / ".gpu-kit")
    args = p.parse_args(argv)
    if os.environ.get(FFMPEG_VERSION_ENV):
        sys.exit(f"pack_media: unset {FFMPEG_VERSION_ENV}: the media are keyed by this machine's ffmpeg")

    names = needed_names()
    version = ffmpeg_version()
    archive, manifest_file = args.kit / "media.tar.xz", args.kit / "media.json"
    args.kit.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="odvd-media-pack-") as tmp:
        staging = Path(tmp) / "media"
        files = stage(args.cache.resolve(), names, staging)
        manifest = {"ffmpeg_version": version, "names": names, "files": files}
        old = json.loads(manifest_file.read_text()) if manifest_file.exists() else None
        if archive.exists() and old == json.loads(json.dumps(manifest)):
            print(f"pack_media: {archive} is up to date ({len(names)} media)", file=sys.stderr)
        else:
            tmp_archive = archive.with_name(archive.name + ".tmp")
            with tarfile.open(tmp_archive, "w:xz", preset=6) as tar:
                tar.add(staging, arcname="media")
            tmp_archive.replace(archive)
            manifest_file.write_text(json.dumps(manifest, indent=1))
            print(f"pack_media: wrote {archive}: {len(names)} media, {len(files)} files, "
                  f"{sum(s for _, s in files) / 2**20:.1f} MiB unpacked", file=sys.stderr)
    (args.kit / "ffmpeg-version.txt").write_text(version + "\n")
    print(f"pack_media: media of the needs_cuda test modules: {' '.join(names)}", file=sys.stderr)
    verify(archive, version, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
