"""Every ```python block of the access-pattern pages (docs/access-*.md) runs as written, in a folder
where the file names the examples use are links to test clips. Blocks carry their own asserts."""

import os
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = ["access-seed-api.md", "access-staged.md", "access-by-time.md", "access-sources.md"]
LINKS = {"cam0.mp4": "h264_gop30", "cam1.mp4": "hevc_gop30_bf3"}  # 90 frames, 176x144, 30 fps


def blocks(page: str):
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


EXAMPLES = [(page, i) for page in PAGES for i in range(len(blocks(page)))]


def test_every_page_has_examples():
    assert sorted(p.name for p in DOCS.glob("access-*.md")) == sorted(PAGES)
    for page in PAGES:
        assert blocks(page), f"{page} has no python example"


@pytest.mark.parametrize("page,index", EXAMPLES)
def test_example_runs(page, index, media, tmp_path, monkeypatch):
    for name, clip in LINKS.items():
        os.symlink(media[clip].path, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    code = blocks(page)[index]
    exec(compile(code, f"<{page} example {index}>", "exec"), {"__name__": "__doc_example__"})
