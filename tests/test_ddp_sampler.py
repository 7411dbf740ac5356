"""ShardedSampler (on_demand_video_decoder.torch): every rank of a world constructed in one process;
coverage over an epoch (each index once, or the stated padding / dropping), reshuffling with
set_epoch, determinism, and torch.distributed's rank / world size when it is initialised."""

import collections

import pytest

torch = pytest.importorskip("torch")
from on_demand_video_decoder.torch import ShardedSampler  # noqa: E402


def world(n, world_size, **kw):
    return [ShardedSampler(n, rank=r, world_size=world_size, **kw) for r in range(world_size)]


def epoch(samplers, e):
    for s in samplers:
        s.set_epoch(e)
    return [list(s) for s in samplers]


@pytest.mark.parametrize("world_size", [2, 3])
@pytest.mark.parametrize("n", [0, 1, 2, 12, 13, 14, 100])
@pytest.mark.parametrize("shuffle", [True, False])
def test_coverage(world_size, n, shuffle):
    # pad=True (default): every index, equal shares, exactly (-n) % world_size duplicates.
    shares = epoch(world(n, world_size, shuffle=shuffle, seed=3), 0)
    counts = collections.Counter(i for share in shares for i in share)
    assert set(counts) == set(range(n))
    assert sum(counts.values()) - n == (-n) % world_size if n else sum(counts.values()) == 0
    assert {len(share) for share in shares} == {-(-n // world_size)}
    assert all(len(s) == len(share) for s, share in zip(world(n, world_size, shuffle=shuffle), shares))

    # drop_last: no duplicates, n % world_size left out, equal shares.
    shares = epoch(world(n, world_size, shuffle=shuffle, seed=3, drop_last=True), 0)
    flat = [i for share in shares for i in share]
    assert len(flat) == len(set(flat)) == n - n % world_size
    assert set(flat) <= set(range(n))
    assert {len(share) for share in shares} <= {n // world_size}

    # pad=False: every index exactly once; shares differ by at most one, longer ones first.
    samplers = world(n, world_size, shuffle=shuffle, seed=3, pad=False)
    shares = epoch(samplers, 0)
    flat = [i for share in shares for i in share]
    assert sorted(flat) == list(range(n))
    assert [len(share) for share in shares] == [len(s) for s in samplers]
    assert max(map(len, shares)) - min(map(len, shares)) <= 1
    assert [len(share) for share in shares] == sorted((len(share) for share in shares), reverse=True)


@pytest.mark.parametrize("world_size", [2, 3])
def test_set_epoch_reshuffles_deterministically(world_size):
    samplers = world(50, world_size, seed=7)
    e0, e1 = epoch(samplers, 0), epoch(samplers, 1)
    assert e0 != e1
    assert epoch(samplers, 0) == e0  # back to epoch 0: the same order
    assert epoch(world(50, world_size, seed=7), 1) == e1  # new objects, same seed: the same
    assert epoch(world(50, world_size, seed=8), 1) != e1  # another seed: another order
    # Each epoch's shares still partition the indexes (50 is not a multiple of 3: padding aside).
    for shares in (e0, e1):
        assert set(i for share in shares for i in share) == set(range(50))
    # drop_last: which indexes are left out changes with the epoch.
    dropped = []
    for e in range(4):
        flat = [i for share in epoch(world(50, 3, seed=7, drop_last=True), e) for i in share]
        dropped.append(frozenset(range(50)) - set(flat))
    assert all(len(d) == 2 for d in dropped) and len(set(dropped)) > 1


def test_unshuffled_order_and_padding_rule():
    assert epoch(world(7, 3, shuffle=False), 0) == [[0, 3, 6], [1, 4, 0], [2, 5, 1]]
    assert epoch(world(7, 3, shuffle=False, drop_last=True), 0) == [[0, 3], [1, 4], [2, 5]]
    assert epoch(world(7, 3, shuffle=False, pad=False), 0) == [[0, 3, 6], [1, 4], [2, 5]]
    assert epoch(world(1, 3, shuffle=False), 0) == [[0], [0], [0]]  # fewer samples than ranks


def test_arguments_and_dataset_length():
    assert len(ShardedSampler(list(range(9)), rank=0, world_size=2)) == 5
    with pytest.raises(ValueError):
        ShardedSampler(10, rank=2, world_size=2)
    with pytest.raises(ValueError):
        ShardedSampler(10, rank=0, world_size=0)
    assert (ShardedSampler(10).rank, ShardedSampler(10).world_size) == (0, 1)  # no process group


def test_rank_and_world_size_from_torch_distributed(tmp_path):
    dist = torch.distributed
    if not dist.is_available():
        pytest.skip("torch.distributed is not available")
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        s = ShardedSampler(5)
        assert (s.rank, s.world_size) == (0, 1) and sorted(s) == list(range(5))
    finally:
        dist.destroy_process_group()
