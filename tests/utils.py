"""The comparison policy for frames, in one place.

Decoded YUV and RGB are compared exactly (byte for byte): the CPU and GPU paths share one set of
formulas, so any difference is a bug. Outputs that are resized or normalised (float) are compared
with a stated absolute tolerance through assert_frames_close.
"""

import numpy as np


def _describe_first_difference(actual: np.ndarray, expected: np.ndarray, bad: np.ndarray) -> str:
    idx = tuple(int(i) for i in np.argwhere(bad)[0])
    return (
        f"{int(bad.sum())} of {bad.size} samples differ; first at index {idx}: "
        f"got {actual[idx]!r}, expected {expected[idx]!r}; max |diff| "
        f"{np.abs(actual.astype(np.float64) - expected.astype(np.float64)).max():g}"
    )


def _check_layout(actual, expected, context: str):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{context}: shape {actual.shape} != expected {expected.shape}"
    assert actual.dtype == expected.dtype, f"{context}: dtype {actual.dtype} != expected {expected.dtype}"
    return actual, expected


def assert_frames_equal(actual, expected, context: str = "frame") -> None:
    """Exact equality of shape, dtype and every sample; the message locates the first difference."""
    actual, expected = _check_layout(actual, expected, context)
    bad = actual != expected
    if bad.any():
        raise AssertionError(f"{context}: {_describe_first_difference(actual, expected, bad)}")


def assert_frames_close(actual, expected, atol: float, context: str = "frame") -> None:
    """Every sample within ``atol`` of the expected one (for resized or normalised outputs)."""
    actual, expected = _check_layout(actual, expected, context)
    bad = np.abs(actual.astype(np.float64) - expected.astype(np.float64)) > atol
    if bad.any():
        raise AssertionError(f"{context} (atol={atol}): {_describe_first_difference(actual, expected, bad)}")


def assert_floats_ulp(actual, expected, maxulp: int, context: str = "frame") -> None:
    """float32 samples within ``maxulp`` units in the last place of the expected ones."""
    actual, expected = _check_layout(actual, expected, context)
    assert actual.dtype == np.float32
    a = actual.view(np.int32).astype(np.int64)
    e = expected.view(np.int32).astype(np.int64)
    # Map the sign-magnitude float bits onto a monotone integer line, so ulps are differences.
    a = np.where(a < 0, -(a & 0x7FFFFFFF), a)
    e = np.where(e < 0, -(e & 0x7FFFFFFF), e)
    bad = np.abs(a - e) > maxulp
    if bad.any():
        raise AssertionError(f"{context}: {_describe_first_difference(actual, expected, bad)} (> {maxulp} ulp)")
