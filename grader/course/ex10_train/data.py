"""Data for exercise 10: real MNIST shipped with the grader, MNIST read from IDX files, and the 8x8 digits.

All come as :class:`Dataset`: images as uint8 ``(N, 1, H, W)`` pixel values, labels as int64 ``(N,)``, and the
``scale`` that turns pixels into floats in [0, 1] (digits: 16, MNIST: 255). Integer pixels keep the messages to
the student process small (60,000 MNIST images are 47 MB as uint8, 188 MB as float32); the driver in the student
process divides by ``scale``.

* :func:`shipped` (the default) -- the official MNIST test set, 10,000 real 28x28 digits, shipped in ``mnist/``
  beside this file (1.6 MB, md5-checked; CC BY-SA 3.0, see mnist/README.md), split once with numpy's
  ``default_rng(0)``, 20 % of each class held out: 8,000 training and 2,000 held-out images.
* :func:`digits` (``--data digits``, a quick option) -- scikit-learn's 1,797 real 8x8 handwritten digits
  (``sklearn.datasets.load_digits``, shipped with scikit-learn), split once with a fixed seed, 20 % of each class
  held out: 1,438 training and 359 held-out images.
* :func:`load_mnist` -- a folder with the four MNIST files in IDX format (``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte``; gzipped or not, with or
  without ``.gz``; ``train-images.idx3-ubyte`` spellings are found too).
* :func:`read_idx` -- the IDX reader itself (any IDX file: dtype codes 0x08-0x0E, any number of dimensions).
* :func:`perturb` -- what the student's model is asked to classify: the held-out images, each shifted by one pixel
  and given mild noise, drawn from a seed the student process never sees (an exact-match lookup finds nothing).

Every problem with the files raises :class:`DataError` (a ValueError) whose message is one line naming the file.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.i18n import N_, gettext as _

DIGITS_SEED = 20240917          # the one fixed split of the digits data
DIGITS_TEST_FRACTION = 0.2      # of each class: 359 of the 1,797 images are held out
SHIPPED_DIR = Path(__file__).resolve().parent / "mnist"   # the student process must never read this folder
SHIPPED_MD5 = {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
               "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
SHIPPED_SEED = 0                # numpy default_rng(0): the one fixed split of the shipped MNIST images
SHIPPED_TEST_FRACTION = 0.2     # of each class: 2,000 of the 10,000 images are held out
PERTURB_SHIFTS = tuple((dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1) if (dy, dx) != (0, 0))
PERTURB_NOISE = {"mnist": 16.0, "digits": 1.0}   # Gaussian noise, in pixel units (MNIST 0-255, digits 0-16)
PERTURB_SHIFT = {"mnist": True, "digits": False}  # 8x8 digits: noise only (one pixel is an eighth of a digit)

# IDX type codes -> big-endian numpy dtypes (the format stores every multi-byte number big-endian).
IDX_DTYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class DataError(ValueError):
    """The data could not be loaded; ``str(exc)`` is one line that names the file and what is wrong."""


class IDXError(DataError):
    """An IDX file is missing, not IDX, truncated, or does not match its partner file."""

    def __init__(self, file, problem: str):
        self.file = str(file)
        self.problem = problem
        super().__init__(f"{Path(file).name}: {problem}")


@dataclass(frozen=True)
class Dataset:
    name: str                 # "mnist" (shipped or from a folder) or "digits"
    description: str          # one line for the report
    train_x: np.ndarray       # uint8 (N, 1, H, W)
    train_y: np.ndarray       # int64 (N,)
    test_x: np.ndarray        # uint8 (M, 1, H, W)
    test_y: np.ndarray        # int64 (M,)  -- never sent to the student process
    scale: float              # float pixels = uint8 pixels / scale, in [0, 1]
    num_classes: int = 10

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.train_x.shape[1:])


# -- the shipped MNIST images, and scikit-learn's digits -------------------------------------------------------------
def _split(labels: np.ndarray, seed: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """(training, held-out) indices: ``fraction`` of every class held out, both in a seeded random order."""
    rng = np.random.default_rng(seed)
    test = []
    for c in range(10):                                  # the same share of every class held out
        members = np.flatnonzero(labels == c)
        test.extend(rng.choice(members, size=round(len(members) * fraction), replace=False))
    test_mask = np.zeros(len(labels), bool)
    test_mask[test] = True
    return rng.permutation(np.flatnonzero(~test_mask)), rng.permutation(np.flatnonzero(test_mask))


@functools.lru_cache(maxsize=1)
def shipped() -> Dataset:
    """The MNIST test set shipped in ``mnist/`` (md5-checked), split once: 8,000 training / 2,000 held-out images."""
    arrays = {}
    for name, md5 in SHIPPED_MD5.items():
        path = SHIPPED_DIR / name
        try:
            digest = hashlib.md5(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise DataError(_("{path}: the MNIST file shipped with the grader cannot be read ({error}); reinstall the "
                              "grader").format(path=path, error=exc.strerror)) from None
        if digest != md5:
            raise DataError(_("{path}: md5 {digest}, expected {md5}: the file shipped with the grader was changed; "
                              "reinstall the grader").format(path=path, digest=digest, md5=md5))
        arrays[name] = read_idx(path, expect_magic=IMAGES_MAGIC if "images" in name else LABELS_MAGIC)
    images = arrays["t10k-images-idx3-ubyte.gz"][:, None]
    labels = arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64)
    train_idx, test_idx = _split(labels, SHIPPED_SEED, SHIPPED_TEST_FRACTION)
    return _frozen(Dataset(
        "mnist", f"real MNIST digits shipped with the grader, 28x28: {len(train_idx):,} training / "
                 f"{len(test_idx):,} held-out images",
        images[train_idx], labels[train_idx], images[test_idx], labels[test_idx], scale=255.0))


@functools.lru_cache(maxsize=1)
def digits() -> Dataset:
    """scikit-learn's 8x8 digits, split once (stratified, fixed seed) into 1,438 training / 359 held-out images."""
    from sklearn.datasets import load_digits

    raw = load_digits()
    images = raw.images.astype(np.uint8)[:, None]        # values 0..16
    labels = raw.target.astype(np.int64)
    train_idx, test_idx = _split(labels, DIGITS_SEED, DIGITS_TEST_FRACTION)
    return _frozen(Dataset(
        "digits", f"scikit-learn digits, 8x8: {len(train_idx):,} training / {len(test_idx):,} held-out images",
        images[train_idx], labels[train_idx], images[test_idx], labels[test_idx], scale=16.0))


def perturb(images: np.ndarray, seed: int, *, noise: float, top: int, shift: bool = True) -> np.ndarray:
    """The held-out images as the student's model sees them: each shifted by one pixel in one of the 8 directions
    (``shift``; the edge that comes in is 0) plus Gaussian noise of standard deviation ``noise`` pixel units, rounded and
    clipped to 0..``top`` (MNIST 255, digits 16); (N, C, H, W) uint8 -> (N, C, H, W) uint8. A CNN shrugs this off; an
    exact-match lookup of the original images finds none of them, and nearest-neighbour lookups lose ground."""
    rng = np.random.default_rng(seed)
    n, _, h, w = images.shape
    choices = np.array(PERTURB_SHIFTS if shift else [(0, 0)])
    shifts = choices[rng.integers(len(choices), size=n)]
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    rows = (np.arange(h)[None, :] + 1 - shifts[:, :1])          # (N, H): out[y] = in[y - dy]
    cols = (np.arange(w)[None, :] + 1 - shifts[:, 1:])          # (N, W)
    moved = padded[np.arange(n)[:, None, None, None], np.arange(images.shape[1])[None, :, None, None],
                   rows[:, None, :, None], cols[:, None, None, :]]
    noisy = moved.astype(np.float32) + rng.normal(0.0, noise, moved.shape).astype(np.float32)
    return np.clip(np.rint(noisy), 0, top).astype(np.uint8)


# -- IDX --------------------------------------------------------------------------------------------------------
def _open_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (detected by its magic bytes 1f 8b, not by its name)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
            fh.seek(0)
            if head == b"\x1f\x8b":
                with gzip.GzipFile(fileobj=fh) as gz:
                    return gz.read()
            # not gzip: read as is, whatever the name (browsers often unpack a download but keep its .gz name)
            return fh.read()
    except FileNotFoundError:
        raise IDXError(path, _("file not found")) from None
    except IsADirectoryError:
        raise IDXError(path, _("is a folder, not a file")) from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise IDXError(path, _("truncated or corrupt gzip data ({error})").format(error=exc)) from None
    except PermissionError:
        raise IDXError(path, _("cannot be read (permission denied)")) from None


def read_idx(path, *, expect_magic: int | None = None) -> np.ndarray:
    """Read one IDX file into a native-endian numpy array of the shape its header declares.

    Header: two zero bytes, a type byte (0x08 ubyte ... 0x0E float64), a byte with the number of dimensions, then
    one big-endian uint32 per dimension; the data follows, big-endian, row-major. ``expect_magic`` (e.g.
    0x00000803 for MNIST images) must match the first four bytes when given.
    """
    path = Path(path)
    data = _open_bytes(path)
    if len(data) < 4:
        raise IDXError(path, _("truncated: {size} bytes, not even the 4-byte magic number").format(size=len(data)))
    magic = struct.unpack(">I", data[:4])[0]
    zero, code, ndim = magic >> 16, (magic >> 8) & 0xFF, magic & 0xFF
    if zero != 0 or code not in IDX_DTYPES or ndim == 0:
        raise IDXError(path, _("not an IDX file (magic number 0x{magic:08X}; IDX files start 0x0000TTDD)").format(
            magic=magic))
    if expect_magic is not None and magic != expect_magic:
        raise IDXError(path, _("wrong magic number 0x{magic:08X}, expected 0x{expected:08X} ({meaning})").format(
            magic=magic, expected=expect_magic, meaning=_(_magic_meaning(expect_magic))))
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IDXError(path, _("truncated header: {ndim} dimensions need {need} bytes, the file has {size}").format(
            ndim=ndim, need=header_len, size=len(data)))
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header_len
    dims = "x".join(str(s) for s in shape)
    if got < expected:
        raise IDXError(path, _("truncated: the header declares {dims} values ({expected:,} bytes), the file has "
                               "{got:,} bytes of data").format(dims=dims, expected=expected, got=got))
    if got > expected:
        raise IDXError(path, _("{extra:,} unexpected bytes after the {dims} values the header declares").format(
            extra=got - expected, dims=dims))
    return np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape).astype(dtype.newbyteorder("="))


def _magic_meaning(magic: int) -> str:
    return {IMAGES_MAGIC: N_("unsigned-byte images, 3 dimensions"),
            LABELS_MAGIC: N_("unsigned-byte labels, 1 dimension")}.get(
        magic, "IDX")


def find_idx(folder, stem: str) -> Path:
    """The file for ``stem`` (e.g. 'train-images-idx3-ubyte') in ``folder``, plain or .gz, '-' or '.' spelling."""
    folder = Path(folder)
    dotted = stem.replace("-idx", ".idx")
    for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise IDXError(folder / stem, _("file not found in {folder} (also looked for {stem}.gz, {dotted}, {dotted}.gz)")
                   .format(folder=folder, stem=stem, dotted=dotted))


def _stat_key(folder: Path) -> tuple:
    key = []
    for stem in MNIST_FILES.values():
        try:
            p = find_idx(folder, stem)
            st = p.stat()
            key.append((str(p), st.st_size, st.st_mtime_ns))
        except (IDXError, OSError):
            key.append((stem, None))
    return tuple(key)


def load_mnist(folder) -> Dataset:
    """Read the four MNIST IDX files in ``folder`` and check that they belong together."""
    folder = Path(folder).expanduser().resolve()
    if not folder.is_dir():
        raise DataError(_("{folder}: not a folder (expected a folder with the four MNIST IDX files)").format(
            folder=folder))
    return _load_mnist_cached(folder, _stat_key(folder))


@functools.lru_cache(maxsize=2)
def _load_mnist_cached(folder: Path, _key: tuple) -> Dataset:
    arrays = {}
    paths = {}
    for part, stem in MNIST_FILES.items():
        path = paths[part] = find_idx(folder, stem)
        magic = IMAGES_MAGIC if part.endswith("images") else LABELS_MAGIC
        arrays[part] = read_idx(path, expect_magic=magic)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.shape[0] != labels.shape[0]:
            raise IDXError(paths[f"{split}_labels"], _("{labels:,} labels, but {file} has {images:,} images").format(
                labels=labels.shape[0], file=paths[f"{split}_images"].name, images=images.shape[0]))
        if images.shape[0] == 0:
            raise IDXError(paths[f"{split}_images"], _("holds no images"))
        if labels.size and labels.max() > 9:
            raise IDXError(paths[f"{split}_labels"], _("label {label} is not a digit 0-9").format(
                label=int(labels.max())))
    if arrays["train_images"].shape[1:] != arrays["test_images"].shape[1:]:
        raise IDXError(paths["test_images"], _("images are {test}, the training images {train}").format(
            test=_hw(arrays["test_images"]), train=_hw(arrays["train_images"])))
    return _frozen(Dataset(
        "mnist", f"MNIST from {folder}, {_hw(arrays['train_images'])}: {len(arrays['train_images']):,} training / "
                 f"{len(arrays['test_images']):,} held-out images",
        arrays["train_images"][:, None], arrays["train_labels"].astype(np.int64),
        arrays["test_images"][:, None], arrays["test_labels"].astype(np.int64), scale=255.0))


def _hw(images: np.ndarray) -> str:
    return "x".join(str(s) for s in images.shape[1:])


def _frozen(ds: Dataset) -> Dataset:
    for a in (ds.train_x, ds.train_y, ds.test_x, ds.test_y):
        a.flags.writeable = False
    return ds


def stratified_subset(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of ``size`` examples, the same share of each class, in a seeded random order."""
    if size >= len(labels):
        return np.random.default_rng(seed).permutation(len(labels))
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quota = np.floor(counts / counts.sum() * size).astype(int)
    for i in np.argsort(-(counts / counts.sum() * size - quota))[: size - quota.sum()]:
        quota[i] += 1
    chosen = np.concatenate([rng.choice(np.flatnonzero(labels == c), q, replace=False)
                             for c, q in zip(classes, quota)])
    return rng.permutation(chosen)


def load(data: str | os.PathLike | None) -> Dataset:
    """The shipped MNIST images when ``data`` is None, scikit-learn's 8x8 digits for ``"digits"``, else MNIST from
    the folder ``data``."""
    if data is None:
        return shipped()
    if str(data) == "digits":
        return digits()
    return load_mnist(data)
