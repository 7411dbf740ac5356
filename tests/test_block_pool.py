"""Stream-ordered reuse of frame blocks (frames/block_pool.h), through a probe pool whose fences the
test passes or holds: device memory uses the same logic with CUDA events, which no machine without a
GPU can record."""

from on_demand_video_decoder import _engine


def test_a_block_without_consumers_is_reused_at_once():
    p = _engine._FencedPoolProbe()
    a = p.acquire(1000)
    p.release(a)
    assert p.acquire(1000) == a
    assert p.fences == [] and p.allocations == 1


def test_a_consumed_block_waits_for_its_fence():
    p = _engine._FencedPoolProbe()
    a = p.acquire(1000)
    p.add_consumer(a, 0x5000)
    p.add_consumer(a, 1)
    p.add_consumer(a, 0x5000)  # noted once
    p.release(a)
    assert p.fences == [[0x5000, 1]]  # recorded when the last reference died
    b = p.acquire(1000)  # the fence has not passed: another block
    assert b != a and p.allocations == 2
    p.release(b)
    p.passed = True
    got = {p.acquire(1000), p.acquire(1000)}
    assert got == {a, b} and p.allocations == 2


def test_trim_waits_for_pending_fences_before_freeing():
    p = _engine._FencedPoolProbe()
    a = p.acquire(64)
    p.add_consumer(a, 7)
    p.release(a)
    p.trim()
    assert p.waits == 1
    assert p.acquire(64) is not None and p.allocations == 2
