"""The printable quiz: self-contained HTML with print CSS, and (with Debian's chromium) one A4 page per student with
visible grids. .ci/run installs chromium (and poppler-utils for pdfinfo); without chromium the browser tests skip."""
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

from grader.quiz.make import make_quizzes

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (Debian: apt-get install -y chromium poppler-utils)")
STUDENTS = 3


@pytest.fixture(scope="module")
def quiz_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("quiz")
    roster = out.parent / "roster.csv"
    roster.write_text("id,name\ns001,Ada Lovelace\ns002,Alan Turing\ns003,陳宇春\n", encoding="utf-8")
    make_quizzes(roster, out / "q", secret="html-test")
    return out / "q"


def test_html_is_self_contained_with_print_css_and_one_sheet_per_student(quiz_dir):
    html = (quiz_dir / "quizzes.html").read_text(encoding="utf-8")
    assert html.count('<section class="sheet"') == STUDENTS
    assert "@page { size: A4; margin:" in html and "break-after: page" in html and "page-break-after: always" in html
    assert ".sheet:last-child { break-after: auto" in html          # no blank page after the last student
    assert not re.search(r"<(script|link|img)\b|https?://", html)   # nothing to fetch: prints offline
    # matrices as bordered grids: the 5x5 image and 3x3 kernel of question 1, for every student
    assert "table.grid td { border: 0.9pt solid #000" in html
    assert len(re.findall(r'<table class="grid"><tbody>(?:<tr>(?:<td>-?\d+</td>){5}</tr>){5}</tbody>', html)) >= \
        STUDENTS
    for single in (quiz_dir / "students").iterdir():
        assert (single / "quiz.html").read_text(encoding="utf-8").count('<section class="sheet"') == 1
    key = (quiz_dir / "answer-key.html").read_text(encoding="utf-8")
    assert key.count('<section class="sheet key"') == STUDENTS and "Answer" in key


def chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def pdf_pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


@needs_chromium
@pytest.mark.parametrize("name", ["quizzes.html", "answer-key.html"])
def test_chromium_prints_one_a4_page_per_student(quiz_dir, tmp_path, name):
    pdf = tmp_path / "out.pdf"
    run = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", (quiz_dir / name).as_uri())
    assert pdf.is_file(), run.stderr[-2000:]
    assert pdf_pages(pdf) == STUDENTS
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
        assert (round(width), round(height)) == (595, 842)          # A4 in points


def read_png_gray(path: Path) -> np.ndarray:
    """A minimal PNG reader (8-bit, non-interlaced, gray/RGB/RGBA): the luminance as an (H, W) array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = int.from_bytes(data[pos:pos + 4], "big"), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
    assert depth == 8 and interlace == 0 and color in (0, 2, 4, 6)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, stride + 1)
    img = np.zeros((height, stride), np.int64)
    prev = np.zeros(stride, np.int64)
    for y in range(height):
        f, line = raw[y, 0], raw[y, 1:].astype(np.int64)
        if f == 0:
            cur = line
        elif f == 1:
            cur = np.concatenate([np.cumsum(line[c::bpp]) for c in range(bpp)])
            cur = cur.reshape(bpp, -1).T.reshape(-1) % 256
        elif f == 2:
            cur = (line + prev) % 256
        else:
            cur, up = line.tolist(), prev.tolist()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b = up[i]
                if f == 3:
                    cur[i] = (cur[i] + (a + b) // 2) & 255
                else:
                    c = up[i - bpp] if i >= bpp else 0
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            cur = np.array(cur, np.int64)
        img[y] = prev = cur
    pixels = img.reshape(height, width, bpp)
    return pixels[..., 0] if bpp <= 2 else pixels[..., :3] @ np.array([0.299, 0.587, 0.114])


def line_positions(dark: np.ndarray, min_run: int) -> list[int]:
    """Rows of ``dark`` with a run of at least min_run dark pixels (a drawn line), adjacent rows merged."""
    rows = []
    for y, row in enumerate(dark):
        padded = np.concatenate([[0], row.astype(np.int8), [0]])
        edges = np.flatnonzero(np.diff(padded))
        if len(edges) and (edges[1::2] - edges[::2]).max() >= min_run:
            if not rows or y - rows[-1][-1] > 1:
                rows.append([y])
            else:
                rows[-1].append(y)
    return [r[0] for r in rows]


def regular_runs(positions: list[int], low: int = 12, high: int = 40) -> int:
    """The longest sequence of lines spaced like grid cells (a line closer than ``low`` to the last one, such as a
    stroke of a digit, is skipped)."""
    if not positions:
        return 0
    best = run = 1
    last = positions[0]
    for b in positions[1:]:
        if b - last < low:
            continue
        run = run + 1 if b - last <= high else 1
        last = b
        best = max(best, run)
    return best


@needs_chromium
def test_chromium_screenshot_shows_a_page_with_grids(quiz_dir, tmp_path):
    shot = tmp_path / "shot.png"
    run = chromium(tmp_path, "--hide-scrollbars", "--window-size=850,1150", f"--screenshot={shot}",
                   (quiz_dir / "quizzes.html").as_uri())
    assert shot.is_file(), run.stderr[-2000:]
    gray = read_png_gray(shot)
    assert gray.shape == (1150, 850)
    dark = gray < 110
    assert 0.005 < dark.mean() < 0.4                        # text and lines, not a blank (or black) page
    white = gray > 245
    assert white[:, 100:750].mean() > 0.5                  # the white sheet on the grey screen background
    # grids: sets of >= 6 parallel lines one cell apart (the 5x5 image: 6 horizontal and 6 vertical rules)
    assert regular_runs(line_positions(dark, 40)) >= 6
    assert regular_runs(line_positions(dark.T, 40)) >= 6


# -- the quiz in Traditional Chinese: a CJK font, still one A4 page per student -----------------------------------
@pytest.fixture(scope="module")
def zh_quiz_dir(tmp_path_factory):
    from grader import i18n

    out = tmp_path_factory.mktemp("quiz-zh")
    roster = out.parent / "roster-zh.csv"
    roster.write_text("id,name\ns001,Ada Lovelace\ns002,Alan Turing\ns003,陳宇春\n", encoding="utf-8")
    with i18n.speaking("zh-TW"):
        make_quizzes(roster, out / "q", secret="html-test")
    return out / "q"


def test_the_chinese_quiz_says_its_language(zh_quiz_dir):
    html = (zh_quiz_dir / "quizzes.html").read_text(encoding="utf-8")
    assert '<html lang="zh-Hant-TW">' in html and html.count('<section class="sheet"') == STUDENTS
    assert "卷積" in html and "特徵圖" in html and '"Noto Sans CJK TC"' in html


@needs_chromium
@pytest.mark.parametrize("name", ["quizzes.html", "answer-key.html"])
def test_chromium_prints_the_chinese_quiz_with_a_cjk_font_one_a4_page_per_student(zh_quiz_dir, tmp_path, name):
    if not (shutil.which("pdffonts") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdffonts, pdftotext) is not installed")
    if "Noto Sans CJK" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        pytest.skip("no CJK font (Debian: apt-get install -y fonts-noto-cjk)")
    pdf = tmp_path / "out.pdf"
    run = chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", (zh_quiz_dir / name).as_uri())
    assert pdf.is_file(), run.stderr[-2000:]
    assert pdf_pages(pdf) == STUDENTS
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (595, 842)
    # the Chinese is drawn from a font (chromium embeds the Noto CJK collection's glyphs as Type 3 fonts)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts or "Type 3" in fonts, fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = text.split("\f")
    assert all("卷積" in page for page in pages[:STUDENTS]), text[:2000]   # every sheet holds its Chinese
