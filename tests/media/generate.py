"""Makes the files of recipes.py with the ffmpeg CLI, cached on disk under a key derived from each
recipe (its arguments, its base's key, the ffmpeg version), so a changed recipe or ffmpeg makes a
new file and an unchanged one is made once."""

import hashlib
import json
import os
import random
import re
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict

from . import inspect
from .recipes import RECIPES, Recipe

# Bump when the way files are made changes in a way the recipe text does not show.
GENERATOR_VERSION = 1


# Stands in for the first line of `ffmpeg -version` (part of every medium's key) on a machine that
# has the media, references and probe answers made elsewhere but no ffmpeg: the GPU machine
# (scripts/gpu/check.sh sets it to the line of the machine that made them).
FFMPEG_VERSION_ENV = "ODVD_TEST_MEDIA_FFMPEG_VERSION"


@lru_cache(maxsize=None)
def ffmpeg_version() -> str:
    override = os.environ.get(FFMPEG_VERSION_ENV, "").strip()
    if override:
        return override
    out = subprocess.run(["ffmpeg", "-version"], check=True, capture_output=True, text=True).stdout
    return out.splitlines()[0]


@lru_cache(maxsize=None)
def ffmpeg_has_fps_mode() -> bool:
    """-fps_mode arrived in FFmpeg 5.1; 4.4 (Ubuntu 22.04) has only the older -vsync."""
    m = re.search(r"ffmpeg version n?(\d+)\.(\d+)", ffmpeg_version())
    return m is None or (int(m.group(1)), int(m.group(2))) >= (5, 1)


def compat_args(args):
    """The same ffmpeg arguments for the ffmpeg at hand (FFmpeg 4.4 spells -fps_mode as -vsync)."""
    if ffmpeg_has_fps_mode():
        return list(args)
    return ["-vsync" if a == "-fps_mode" else a for a in args]


@dataclass(frozen=True)
class MediaFile:
    name: str
    path: Path
    key: str
    recipe: Recipe

    @property
    def expect(self) -> dict:
        return self.recipe.expect


class MediaLibrary:
    """The session's test media: ``library["hevc_gop30"]`` makes the file on first use."""

    def __init__(self, cache_dir: Path):
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        inspect.cache_probes_in(self.cache_dir)
        self._lock = threading.RLock()
        self._made: Dict[str, MediaFile] = {}

    def names(self):
        return list(RECIPES)

    def key(self, name: str) -> str:
        recipe = RECIPES[name]
        ident = {
            "args": list(recipe.args),
            "ext": recipe.ext,
            "post": recipe.post,
            "base": self.key(recipe.base) if recipe.base else None,
            "ffmpeg": ffmpeg_version(),
            "generator": GENERATOR_VERSION,
        }
        return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:16]

    def __getitem__(self, name: str) -> MediaFile:
        with self._lock:
            if name not in self._made:
                recipe = RECIPES[name]
                key = self.key(name)
                path = self.cache_dir / f"{name}-{key}.{recipe.ext}"
                if not path.exists():
                    self._make(recipe, path)
                self._made[name] = MediaFile(name, path, key, recipe)
            return self._made[name]

    def _make(self, recipe: Recipe, path: Path) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, suffix="." + recipe.ext)
        os.close(fd)
        try:
            if recipe.args:
                args = [a.replace("{base}", str(self[recipe.base].path)) if recipe.base else a for a in recipe.args]
                cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", *compat_args(args), tmp]
                try:
                    res = subprocess.run(cmd, capture_output=True, text=True)
                except FileNotFoundError:
                    raise RuntimeError(f"{path.name} is not in {self.cache_dir}, and making it needs the ffmpeg CLI, "
                                       "which is not installed here") from None
                if res.returncode != 0:
                    raise RuntimeError(f"making {recipe.name} failed: {' '.join(cmd)}\n{res.stderr}")
            if recipe.post:
                _post(recipe.post, Path(tmp))
            os.replace(tmp, path)  # atomic: a file under its final name is always complete
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _post(step: str, path: Path) -> None:
    kind, _, value = step.partition(":")
    if kind == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * float(value))])
    elif kind == "random_bytes":
        path.write_bytes(random.Random(1234).randbytes(int(value)))
    else:
        raise ValueError(f"unknown post step {step!r}")
