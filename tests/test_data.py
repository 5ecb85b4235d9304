"""grader/course/ex10_train/data.py: the digits split, and the IDX reader on small IDX files written here byte by
byte."""
from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from grader.course.ex10_train import data


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file, spelled out from the format: 0x00 0x00, type code, ndim, big-endian uint32 sizes, data."""
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    return header + np.asarray(array).astype(dtype).tobytes()


def write(path, raw: bytes, gz: bool | None = None):
    gz = path.name.endswith(".gz") if gz is None else gz
    path.write_bytes(gzip.compress(raw) if gz else raw)
    return path


IMAGES = np.arange(5 * 4 * 3, dtype=np.uint8).reshape(5, 4, 3)
LABELS = np.array([0, 9, 3, 3, 1], np.uint8)


@pytest.fixture
def mnist(tmp_path):
    """A tiny, valid 'MNIST' folder: 5 training and 2 test images of 4x3 pixels, training files gzipped."""
    write(tmp_path / "train-images-idx3-ubyte.gz", idx_bytes(IMAGES))
    write(tmp_path / "train-labels-idx1-ubyte.gz", idx_bytes(LABELS))
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[:2]))
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(LABELS[:2]))
    return tmp_path


# -- the IDX format --------------------------------------------------------------------------------------------
def test_known_bytes_of_a_tiny_file(tmp_path):
    raw = bytes.fromhex("00000803" "00000002" "00000001" "00000002") + bytes([7, 255, 0, 128])
    got = data.read_idx(write(tmp_path / "x", raw))
    assert got.dtype == np.uint8 and got.tolist() == [[[7, 255]], [[0, 128]]]


@pytest.mark.parametrize("code,values", [(0x08, [0, 200]), (0x09, [-128, 5]), (0x0B, [-300, 30000]),
                                         (0x0C, [-70000, 2**31 - 1]), (0x0D, [1.5, -2.25]), (0x0E, [1e-300, 3.0])])
def test_every_idx_type_round_trips_big_endian(tmp_path, code, values):
    array = np.array(values).reshape(2, 1)
    got = data.read_idx(write(tmp_path / "x.idx", idx_bytes(array, code)))
    assert got.dtype.isnative and got.shape == (2, 1)
    np.testing.assert_array_equal(got, array)


@pytest.mark.parametrize("name,gz", [("a.gz", True), ("a", True), ("a.gz", False), ("a", False)])
def test_gzip_is_detected_by_content_not_name(tmp_path, name, gz):
    got = data.read_idx(write(tmp_path / name, idx_bytes(IMAGES), gz=gz), expect_magic=data.IMAGES_MAGIC)
    np.testing.assert_array_equal(got, IMAGES)


@pytest.mark.parametrize("raw,words", [
    (b"", "not even the 4-byte magic number"),
    (b"\x00\x00", "not even the 4-byte magic number"),
    (b"\x1f\x00\x08\x03" + bytes(20), "not an IDX file (magic number 0x1F000803"),
    (b"\x00\x00\x07\x01" + bytes(8), "not an IDX file"),          # unknown type code
    (b"\x00\x00\x08\x00", "not an IDX file"),                      # zero dimensions
    (bytes.fromhex("00000803") + bytes(6), "truncated header: 3 dimensions need 16 bytes, the file has 10"),
    (idx_bytes(IMAGES)[:-7], "truncated: the header declares 5x4x3 values (60 bytes), the file has 53"),
    (idx_bytes(IMAGES) + b"xyz", "3 unexpected bytes after the 5x4x3 values"),
])
def test_broken_files_give_one_line_errors_naming_the_file(tmp_path, raw, words):
    path = write(tmp_path / "broken-idx3-ubyte", raw)
    with pytest.raises(data.IDXError) as info:
        data.read_idx(path)
    message = str(info.value)
    assert message.startswith("broken-idx3-ubyte: ") and words in message and "\n" not in message
    assert isinstance(info.value, ValueError) and info.value.file == str(path)


def test_wrong_magic_is_named(tmp_path):
    path = write(tmp_path / "labels", idx_bytes(LABELS))
    with pytest.raises(data.IDXError, match=r"wrong magic number 0x00000801, expected 0x00000803 \(unsigned-byte "
                                            r"images, 3 dimensions\)"):
        data.read_idx(path, expect_magic=data.IMAGES_MAGIC)


def test_truncated_gzip(tmp_path):
    raw = gzip.compress(idx_bytes(IMAGES))
    path = tmp_path / "t.gz"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(data.IDXError, match="t.gz: truncated or corrupt gzip data"):
        data.read_idx(path)


def test_missing_file(tmp_path):
    with pytest.raises(data.IDXError, match="nope: file not found"):
        data.read_idx(tmp_path / "nope")


# -- MNIST folders ---------------------------------------------------------------------------------------------
def test_load_mnist(mnist):
    ds = data.load_mnist(mnist)
    assert ds.name == "mnist" and ds.scale == 255.0 and ds.input_shape == (1, 4, 3)
    assert ds.train_x.shape == (5, 1, 4, 3) and ds.train_x.dtype == np.uint8
    np.testing.assert_array_equal(ds.train_x[:, 0], IMAGES)
    assert ds.train_y.dtype == np.int64 and ds.train_y.tolist() == LABELS.tolist()
    assert ds.test_x.shape == (2, 1, 4, 3) and ds.test_y.tolist() == [0, 9]
    assert "5 training / 2 held-out" in ds.description
    assert data.load(str(mnist)) is ds            # cached while the files do not change


def test_dotted_names_are_found(mnist):
    for f in list(mnist.iterdir()):
        f.rename(mnist / f.name.replace("-idx", ".idx"))
    assert data.load_mnist(mnist).train_x.shape == (5, 1, 4, 3)


@pytest.mark.parametrize("change,words", [
    (lambda d: (d / "t10k-labels-idx1-ubyte").unlink(), "t10k-labels-idx1-ubyte: file not found in"),
    (lambda d: write(d / "train-labels-idx1-ubyte.gz", idx_bytes(LABELS[:4])),
     "train-labels-idx1-ubyte.gz: 4 labels, but train-images-idx3-ubyte.gz has 5 images"),
    (lambda d: write(d / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[:2, :3])),
     "t10k-images-idx3-ubyte: images are 3x3, the training images 4x3"),
    (lambda d: write(d / "t10k-labels-idx1-ubyte", idx_bytes(np.array([0, 10], np.uint8))),
     "t10k-labels-idx1-ubyte: label 10 is not a digit 0-9"),
    (lambda d: write(d / "train-images-idx3-ubyte.gz", idx_bytes(LABELS)),
     "train-images-idx3-ubyte.gz: wrong magic number 0x00000801, expected 0x00000803"),
    (lambda d: write(d / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[:2])[:-1]),
     "t10k-images-idx3-ubyte: truncated"),
    (lambda d: (write(d / "t10k-images-idx3-ubyte", idx_bytes(IMAGES[:0])),
                write(d / "t10k-labels-idx1-ubyte", idx_bytes(LABELS[:0]))),
     "t10k-images-idx3-ubyte: holds no images"),
])
def test_mismatched_or_broken_folders(mnist, change, words):
    change(mnist)
    with pytest.raises(data.DataError) as info:
        data.load_mnist(mnist)
    assert words in str(info.value) and "\n" not in str(info.value), str(info.value)


def test_a_file_is_not_a_folder(mnist):
    with pytest.raises(data.DataError, match="not a folder"):
        data.load_mnist(mnist / "t10k-images-idx3-ubyte")


# -- the digits ------------------------------------------------------------------------------------------------
def test_digits_split_is_fixed_stratified_and_disjoint():
    ds = data.digits()
    assert ds.name == "digits" and ds.input_shape == (1, 8, 8) and ds.scale == 16.0
    assert len(ds.train_y) == 1438 and len(ds.test_y) == 359
    assert ds.train_x.dtype == np.uint8 and ds.train_x.max() == 16
    assert np.bincount(ds.test_y).tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    from sklearn.datasets import load_digits

    raw = load_digits()
    all_images = {img.tobytes(): i for i, img in enumerate(raw.images.astype(np.uint8))}
    train = {x.tobytes() for x in ds.train_x[:, 0]}
    test = {x.tobytes() for x in ds.test_x[:, 0]}
    assert len(train) + len(test) >= 1790 and len(train & test) <= 2   # (a few digits occur twice in the data)
    assert set(all_images) == train | test
    assert ds.test_y[:10].tolist() == [4, 3, 4, 1, 7, 8, 5, 8, 3, 2]   # pinned: the split never changes
    assert int(ds.test_x.astype(int).sum()) == 111910
    assert not ds.train_x.flags.writeable


def test_stratified_subset():
    labels = np.repeat(np.arange(10), [50, 40, 30, 20, 10, 10, 10, 10, 10, 10])
    idx = data.stratified_subset(labels, 40, seed=0)
    assert len(idx) == 40 and len(set(idx.tolist())) == 40
    assert np.bincount(labels[idx], minlength=10).tolist() == [10, 8, 6, 4, 2, 2, 2, 2, 2, 2]
    np.testing.assert_array_equal(idx, data.stratified_subset(labels, 40, seed=0))
    assert sorted(data.stratified_subset(labels, 500, seed=1).tolist()) == list(range(200))


# -- the MNIST images shipped with the grader ------------------------------------------------------------------------
def test_shipped_files_are_the_official_mnist_test_set_with_its_attribution():
    import hashlib

    for name, md5 in data.SHIPPED_MD5.items():
        assert hashlib.md5((data.SHIPPED_DIR / name).read_bytes()).hexdigest() == md5
    readme = (data.SHIPPED_DIR / "README.md").read_text()
    assert "Yann LeCun and Corinna Cortes" in readme and "Attribution-Share Alike 3.0" in readme
    assert all(md5 in readme for md5 in data.SHIPPED_MD5.values())


def test_shipped_split_is_fixed_stratified_and_disjoint():
    ds = data.shipped()
    assert ds.name == "mnist" and ds.input_shape == (1, 28, 28) and ds.scale == 255.0
    assert ds.train_x.shape == (8000, 1, 28, 28) and ds.test_x.shape == (2000, 1, 28, 28)
    assert ds.train_x.dtype == np.uint8 and ds.train_y.dtype == np.int64
    counts = np.bincount(ds.test_y, minlength=10)
    assert counts.tolist() == [196, 227, 206, 202, 196, 178, 192, 206, 195, 202]   # 20 % of each class
    full = np.bincount(ds.train_y, minlength=10) + counts
    assert full.sum() == 10_000 and counts.tolist() == [round(0.2 * c) for c in full]
    train = {x.tobytes() for x in ds.train_x}
    assert not any(x.tobytes() in train for x in ds.test_x)      # MNIST's test set has no duplicate images
    assert ds.test_y[:10].tolist() == [1, 3, 8, 3, 7, 9, 8, 1, 0, 2]   # pinned: the split never changes
    assert int(ds.test_x.astype(np.int64).sum()) == 53_315_239
    assert not ds.train_x.flags.writeable and not ds.test_y.flags.writeable
    assert data.load(None) is ds and data.load("digits") is data.digits()


def test_a_changed_shipped_file_is_a_one_line_error(tmp_path, monkeypatch):
    for name in data.SHIPPED_MD5:
        (tmp_path / name).write_bytes((data.SHIPPED_DIR / name).read_bytes())
    raw = bytearray((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    raw[-20] ^= 1
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(raw))
    monkeypatch.setattr(data, "SHIPPED_DIR", tmp_path)
    data.shipped.cache_clear()
    try:
        with pytest.raises(data.DataError, match=r"t10k-labels-idx1-ubyte.gz: md5 [0-9a-f]{32}, expected ec29112d"):
            data.shipped()
    finally:
        data.shipped.cache_clear()


# -- the perturbation of the held-out images -----------------------------------------------------------------------
def test_perturb_shifts_each_image_by_one_pixel_and_adds_noise():
    images = data.shipped().test_x[:200]
    moved = data.perturb(images, 7, noise=0.0, top=255)
    assert moved.shape == images.shape and moved.dtype == np.uint8
    for original, got in zip(images[:, 0], moved[:, 0]):
        padded = np.pad(original, 1)
        matches = [(dy, dx) for dy, dx in data.PERTURB_SHIFTS
                   if np.array_equal(padded[1 - dy:29 - dy, 1 - dx:29 - dx], got)]
        assert matches, "every image is one of its 8 one-pixel shifts"
    noisy = data.perturb(images, 7, noise=16.0, top=255)
    diff = noisy.astype(float) - moved
    assert 10 < diff[(moved > 20) & (moved < 235)].std() < 20      # the noise, where clipping does not bite
    np.testing.assert_array_equal(noisy, data.perturb(images, 7, noise=16.0, top=255))
    assert not np.array_equal(noisy, data.perturb(images, 8, noise=16.0, top=255))
    exact = {x.tobytes() for x in images}
    assert not any(x.tobytes() in exact for x in noisy)
    digits = data.digits().test_x
    assert data.perturb(digits, 1, noise=1.0, top=16).max() <= 16
