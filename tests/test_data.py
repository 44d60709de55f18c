"""Tests of cnnbp_core.data: the embedded digits, the IDX reader, the photo, synthetic patterns."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import numpy as np
import pytest
from conftest import run_python

from cnnbp_core import data

# ----------------------------------------------------------------------------- digits

# Facts of the UCI optdigits test set (as in scikit-learn's load_digits).
DIGITS_CLASS_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
# SHA-256 of the uint8 arrays' bytes when the file was made (see cnnbp_core/data/files/README.md).
DIGITS_IMAGES_SHA256 = "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
DIGITS_LABELS_SHA256 = "8ba4f891220f5e4c9c819638d1602d74b83618f167043c6da52a2a247841ddf0"


def test_load_digits_known_facts():
    x, y = data.load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    counts16 = x * 16
    np.testing.assert_array_equal(counts16, np.round(counts16))  # pixels were integers 0..16
    assert set(np.unique(y)) == set(range(10))
    assert np.bincount(y).tolist() == DIGITS_CLASS_COUNTS


def test_load_digits_contents_unchanged():
    x, y = data.load_digits()
    pixels = np.round(x[:, 0] * 16).astype(np.uint8)
    assert hashlib.sha256(pixels.tobytes()).hexdigest() == DIGITS_IMAGES_SHA256
    assert hashlib.sha256(y.astype(np.uint8).tobytes()).hexdigest() == DIGITS_LABELS_SHA256


def test_load_digits_returns_fresh_arrays():
    x1, y1 = data.load_digits()
    x1[:] = -1
    y1[:] = -1
    x2, y2 = data.load_digits()
    assert x2.min() == 0.0 and y2.min() == 0


def test_importing_data_needs_neither_matplotlib_nor_sklearn():
    code = (
        "import sys; from cnnbp_core import data; data.load_digits(); data.sample_photo(); "
        "assert 'matplotlib' not in sys.modules, 'matplotlib'; "
        "assert 'sklearn' not in sys.modules, 'sklearn'"
    )
    run_python(code)


# ----------------------------------------------------------------------------- train_test_split


def test_split_is_stratified_disjoint_and_complete():
    x, y = data.load_digits()
    x_tr, y_tr, x_te, y_te = data.train_test_split(x, y, rng=np.random.default_rng(0))
    assert len(y_tr) + len(y_te) == len(y)
    assert x_tr.shape[1:] == x.shape[1:] and x_te.shape[1:] == x.shape[1:]
    counts = np.bincount(y, minlength=10)
    expected_test = np.floor(0.2 * counts + 0.5).astype(int)
    np.testing.assert_array_equal(np.bincount(y_te, minlength=10), expected_test)
    np.testing.assert_array_equal(np.bincount(y_tr, minlength=10), counts - expected_test)
    # Every example lands in exactly one part, with its own label: match rows via their bytes.
    got = [a.tobytes() + bytes([b]) for a, b in zip(x_tr, y_tr, strict=True)]
    got += [a.tobytes() + bytes([b]) for a, b in zip(x_te, y_te, strict=True)]
    assert sorted(got) == sorted(x[i].tobytes() + bytes([y[i]]) for i in range(len(y)))


def test_split_uses_each_index_once_and_shuffles():
    n = 103
    x = np.arange(n)
    y = np.arange(n) % 3
    x_tr, y_tr, x_te, y_te = data.train_test_split(
        x, y, test_fraction=0.3, rng=np.random.default_rng(1)
    )
    assert sorted(np.concatenate([x_tr, x_te]).tolist()) == list(range(n))
    np.testing.assert_array_equal(y_tr, x_tr % 3)
    np.testing.assert_array_equal(y_te, x_te % 3)
    assert np.any(np.diff(y_te) != 0) and not np.all(np.diff(y_te) >= 0)  # not sorted by class
    assert y_tr.dtype == np.int64


def test_split_is_reproducible_from_the_seed():
    x, y = data.pattern_dataset(10, rng=np.random.default_rng(0))
    a = data.train_test_split(x, y, rng=np.random.default_rng(5))
    b = data.train_test_split(x, y, rng=np.random.default_rng(5))
    c = data.train_test_split(x, y, rng=np.random.default_rng(6))
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])


@pytest.mark.parametrize(
    ("kwargs", "exc", "needle"),
    [
        ({"test_fraction": 0.0}, ValueError, "test_fraction"),
        ({"test_fraction": 1.0}, ValueError, "test_fraction"),
        ({"test_fraction": "0.2"}, TypeError, "test_fraction"),
        ({"rng": 0}, TypeError, "rng"),
        ({"rng": np.random.RandomState(0)}, TypeError, "rng"),
        ({"y": np.zeros(9, int)}, ValueError, r"y must have shape \(10,\).*got \(9,\)"),
        ({"y": np.zeros((10, 1), int)}, ValueError, r"y must have shape \(10,\).*got \(10, 1\)"),
        ({"y": np.zeros(10)}, TypeError, "integer"),
    ],
)
def test_split_bad_arguments(kwargs, exc, needle):
    args = {"x": np.zeros((10, 2)), "y": np.arange(10) % 2, "rng": np.random.default_rng(0)}
    args.update(kwargs)
    x, y = args.pop("x"), args.pop("y")
    with pytest.raises(exc, match=needle):
        data.train_test_split(x, y, **args)


def test_split_requires_rng():
    with pytest.raises(TypeError):
        data.train_test_split(np.zeros((4, 1)), np.arange(4) % 2)


# ----------------------------------------------------------------------------- MNIST IDX


def idx_bytes(arr: np.ndarray) -> bytes:
    arr = np.asarray(arr, dtype=np.uint8)
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.tobytes()


@pytest.fixture
def tiny_mnist(tmp_path):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 3, 4), dtype=np.uint8)  # rows != cols
    labels = np.array([3, 0, 9, 1, 7], dtype=np.uint8)
    return tmp_path, pixels, labels


@pytest.mark.parametrize("compressed", [False, True])
def test_mnist_idx_round_trip(tiny_mnist, compressed):
    tmp_path, pixels, labels = tiny_mnist
    write = gzip.compress if compressed else (lambda b: b)
    suffix = ".gz" if compressed else ""
    img_path = tmp_path / f"images-idx3-ubyte{suffix}"
    lab_path = tmp_path / f"labels-idx1-ubyte{suffix}"
    img_path.write_bytes(write(idx_bytes(pixels)))
    lab_path.write_bytes(write(idx_bytes(labels)))
    x, y = data.load_mnist_idx(img_path, str(lab_path))
    assert x.shape == (5, 1, 3, 4) and x.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0] * 255, pixels)
    np.testing.assert_array_equal(y, labels)
    assert 0.0 <= x.min() and x.max() <= 1.0


def test_mnist_idx_gzip_detected_by_content_not_name(tiny_mnist):
    tmp_path, pixels, labels = tiny_mnist
    (tmp_path / "a").write_bytes(gzip.compress(idx_bytes(pixels)))
    (tmp_path / "b.gz").write_bytes(idx_bytes(labels))  # plain despite the name
    x, y = data.load_mnist_idx(tmp_path / "a", tmp_path / "b.gz")
    assert x.shape == (5, 1, 3, 4) and y.tolist() == labels.tolist()


def _write_pair(tmp_path, img: bytes, lab: bytes):
    (tmp_path / "img").write_bytes(img)
    (tmp_path / "lab").write_bytes(lab)
    return tmp_path / "img", tmp_path / "lab"


def test_mnist_idx_missing_file(tiny_mnist):
    tmp_path, _, labels = tiny_mnist
    (tmp_path / "lab").write_bytes(idx_bytes(labels))
    with pytest.raises(FileNotFoundError, match=r"images_path.*nope"):
        data.load_mnist_idx(tmp_path / "nope", tmp_path / "lab")


@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("truncated_images", r"images_path.*'[^']*img'.*truncated"),
        ("trailing_bytes", r"images_path.*trailing bytes"),
        ("short_header", r"images_path.*truncated header"),
        ("empty", r"images_path.*too short"),
        ("bad_magic", r"images_path.*bad magic number 0x00000903"),
        ("swapped", r"images_path.*bad magic number 0x00000801.*images vs labels"),
        ("labels_as_images", r"labels_path.*bad magic number 0x00000803"),
        ("count_mismatch", r"5 images.*4 labels"),
        ("truncated_gzip", r"images_path.*gzip"),
    ],
)
def test_mnist_idx_malformed(tiny_mnist, case, needle):
    tmp_path, pixels, labels = tiny_mnist
    img, lab = idx_bytes(pixels), idx_bytes(labels)
    if case == "truncated_images":
        img = img[:-1]
    elif case == "trailing_bytes":
        img = img + b"\x00"
    elif case == "short_header":
        img = img[:10]
    elif case == "empty":
        img = b""
    elif case == "bad_magic":
        img = bytes([0, 0, 0x09, 3]) + img[4:]
    elif case == "swapped":
        img, lab = lab, img
    elif case == "labels_as_images":
        lab = img
    elif case == "count_mismatch":
        lab = idx_bytes(labels[:4])
    elif case == "truncated_gzip":
        img = gzip.compress(img)[:-8]
    with pytest.raises(ValueError, match=needle):
        data.load_mnist_idx(*_write_pair(tmp_path, img, lab))


def test_mnist_idx_bad_path_type():
    with pytest.raises(TypeError, match="images_path"):
        data.load_mnist_idx(3, "labels")


# ----------------------------------------------------------------------------- photo


# Computed when the JPEG-decoding sample_photo was replaced by the shipped array (bit-for-bit
# equal then; see cnnbp_core/data/files/README.md).
PHOTO_MEAN = 0.30208516965379906
PHOTO_RGB_SHA256 = "f7f982de68dd296af67ee51b2a95a2e5658f7bf064c6536520b66bae8d01fc34"


def test_sample_photo():
    photo = data.sample_photo()
    assert photo.shape == (600, 512) and photo.dtype == np.float64
    assert 0.0 <= photo.min() < 0.2 and 0.8 < photo.max() <= 1.0
    assert photo.mean() == pytest.approx(PHOTO_MEAN, rel=0, abs=1e-12)
    small = data.sample_photo(downsample=7)
    assert small.shape == (600 // 7, 512 // 7)
    np.testing.assert_allclose(small[0, 0], photo[:7, :7].mean())


def test_sample_photo_file_unchanged():
    with resources.files("cnnbp_core.data").joinpath("files", "grace_hopper.npz").open("rb") as f:
        with np.load(f) as npz:
            rgb = npz["rgb"]
    assert rgb.shape == (600, 512, 3) and rgb.dtype == np.uint8
    assert hashlib.sha256(rgb.tobytes()).hexdigest() == PHOTO_RGB_SHA256
    luma = rgb.astype(np.float64) / 255 @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_array_equal(data.sample_photo(), np.clip(luma, 0.0, 1.0))


@pytest.mark.parametrize(("value", "exc"), [(0, ValueError), (2.0, TypeError), (1000, ValueError)])
def test_sample_photo_bad_downsample(value, exc):
    with pytest.raises(exc, match="downsample"):
        data.sample_photo(value)


# ----------------------------------------------------------------------------- patterns


def test_bars_orientations():
    h = data.bars(5, 0)
    np.testing.assert_array_equal(h, np.eye(5)[2][:, None] * np.ones(5))  # middle row
    v = data.bars((4, 5), 90)
    assert v.shape == (4, 5)
    np.testing.assert_array_equal(v, np.tile(np.eye(5)[2], (4, 1)))  # middle column
    d = data.bars(7, 45)
    np.testing.assert_allclose(np.diag(np.fliplr(d)), 1.0)  # rising to the right
    a = data.bars(7, 135)
    np.testing.assert_allclose(np.diag(a), 1.0)  # falling to the right
    np.testing.assert_allclose(data.bars(6, 30), data.bars(6, 210), atol=1e-12)


def test_bars_offset_width_length():
    up = data.bars(7, 0, offset=2)
    np.testing.assert_array_equal(up.sum(axis=1), [0, 7, 0, 0, 0, 0, 0])
    wide = data.bars(7, 0, width=3)
    np.testing.assert_array_equal(wide.sum(axis=1), [0, 0, 7, 7, 7, 0, 0])
    short = data.bars(7, 0, length=3)
    np.testing.assert_array_equal(short[3], [0, 0, 1, 1, 1, 0, 0])
    assert short.sum() == 3


def test_edges():
    top = data.edges(4, 0)
    np.testing.assert_array_equal(top, [[1] * 4, [1] * 4, [0] * 4, [0] * 4])
    left = data.edges((3, 6), 90)
    np.testing.assert_array_equal(left, [[1, 1, 1, 0, 0, 0]] * 3)
    np.testing.assert_allclose(data.edges(5, 180), 1 - data.edges(5, 0))
    odd = data.edges(5, 0)
    np.testing.assert_array_equal(odd[:, 0], [1, 1, 0.5, 0, 0])
    np.testing.assert_array_equal(data.edges(6, 0, offset=1).sum(axis=1), [6, 6, 0, 0, 0, 0])


@pytest.mark.parametrize(
    ("call", "exc", "needle"),
    [
        (lambda: data.bars(1, 0), ValueError, "size"),
        (lambda: data.bars((4, 5, 6), 0), ValueError, "size"),
        (lambda: data.bars(4.0, 0), TypeError, "size"),
        (lambda: data.bars(4, "0"), TypeError, "angle_deg"),
        (lambda: data.bars(4, np.nan), ValueError, "angle_deg"),
        (lambda: data.bars(4, 0, width=0), ValueError, "width"),
        (lambda: data.bars(4, 0, length=-1), ValueError, "length"),
        (lambda: data.edges(4, 0, offset=None), TypeError, "offset"),
        (lambda: data.pattern_dataset(0, rng=np.random.default_rng()), ValueError, "n_per_class"),
        (lambda: data.pattern_dataset(2, size=3, rng=np.random.default_rng()), ValueError, "size"),
        (lambda: data.pattern_dataset(2, rng=1), TypeError, "rng"),
        (
            lambda: data.pattern_dataset(2, rng=np.random.default_rng(), noise=-1),
            ValueError,
            "noise",
        ),
    ],
)
def test_pattern_bad_arguments(call, exc, needle):
    with pytest.raises(exc, match=needle):
        call()


def test_pattern_dataset():
    x, y = data.pattern_dataset(6, size=9, rng=np.random.default_rng(0))
    assert x.shape == (24, 1, 9, 9) and x.dtype == np.float64
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [6, 6, 6, 6]
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert len(data.PATTERN_CLASSES) == len(data.PATTERN_ANGLES) == 4
    x2, y2 = data.pattern_dataset(6, size=9, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    # Without noise, every image is the class's bar: horizontal bars have constant rows, etc.
    clean, labels = data.pattern_dataset(5, size=8, rng=np.random.default_rng(1), noise=0.0)
    for img, k in zip(clean[:, 0], labels, strict=True):
        if data.PATTERN_CLASSES[k] == "horizontal":
            assert np.ptp(img, axis=1).max() == 0 and img.sum() > 0
        elif data.PATTERN_CLASSES[k] == "vertical":
            assert np.ptp(img, axis=0).max() == 0 and img.sum() > 0
    # The classes are separable by orientation: the mean images differ clearly.
    means = np.stack([x[y == k, 0].mean(axis=0) for k in range(4)])
    dists = np.linalg.norm((means[:, None] - means[None]).reshape(16, -1), axis=1)
    assert np.sort(dists)[4] > 1.0  # the 4 zeros are the diagonal


def test_split_of_nothing_is_named():
    with pytest.raises(ValueError, match=r"y must not be empty"):
        data.train_test_split(np.zeros((0, 3)), np.zeros(0, int), rng=np.random.default_rng(0))
