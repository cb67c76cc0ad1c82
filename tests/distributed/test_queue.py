"""The leased queues (requests and seeds) and the cross-worker rate limit against the real Redis server."""

from __future__ import annotations

import json

import pytest
from scrapy import Request, Spider
from scrapy.settings import Settings

from crawler.distributed.keys import Keys
from crawler.distributed.limiter import PlatformRateLimiter
from crawler.distributed.queue import LEASE_META, LeasedStore, ReliableQueue, pending_key, reap_key
from tests.distributed.helpers import REDIS_URL, delete_prefix, redis_reason, unique_prefix
from tests.resources import Resource, require

pytestmark = pytest.mark.redis


class Jd(Spider):
    name = "jd"

    def parse_search(self, response):  # noqa: ANN001, ANN201
        return None


@pytest.fixture
def server():
    require(Resource.REDIS, redis_reason())
    import redis

    prefix = unique_prefix()
    client = redis.Redis.from_url(REDIS_URL)
    client.test_prefix = prefix
    yield client
    delete_prefix(prefix)


#: Leases long enough that no pause of a loaded machine lets one lapse by itself; tests move the lease
#: clock on with :func:`lapse` instead of sleeping.
LEASE = 10.0


def lapse(server, store: LeasedStore, seconds: float) -> None:  # noqa: ANN001
    """Let ``seconds`` pass on the store's leases: every expiry (Redis server time) moves that much earlier."""
    for entry, expiry in server.zrange(store.processing_key, 0, -1, withscores=True):
        server.zadd(store.processing_key, {entry: expiry - seconds})


def make_queue(server, lease: float = LEASE, owner: str = "") -> ReliableQueue:  # noqa: ANN001
    spider = Jd()
    settings = {"SURVEIL_LEASE_SECONDS": lease, "SURVEIL_MAX_DELIVERIES": 3}
    if owner:
        settings["SURVEIL_WORKER_ID"] = owner
    spider.settings = Settings(settings)
    return ReliableQueue(server, spider, f"{server.test_prefix}:%(spider)s:requests")


def test_pop_leases_and_ack_removes(server):
    queue = make_queue(server)
    queue.push(Request("https://api.m.jd.com/api?page=1", meta={"category": "mask"}))
    queue.push(Request("https://api.m.jd.com/api?page=2", priority=5))
    assert len(queue) == 2
    first = queue.pop()
    assert first.url.endswith("page=2"), "higher priority first"
    lease = first.meta[LEASE_META]
    assert len(queue) == 1 and queue.pending() == 2
    queue.leases.complete(lease)
    assert queue.pending() == 1
    second = queue.pop()
    assert second.meta["category"] == "mask"


def test_expired_lease_is_requeued_once_and_dead_after_max_deliveries(server):
    queue = make_queue(server)
    queue.push(Request("https://api.m.jd.com/api?page=1"))
    for attempt in range(2):
        assert queue.pop() is not None
        assert queue.reap() == 0, "a live lease stays"
        lapse(server, queue.store, LEASE - 1)
        assert queue.reap() == 0, "still live a second before it ends"
        lapse(server, queue.store, 2)
        assert queue.reap() == 1, f"attempt {attempt}: the expired lease goes back"
    assert queue.pop() is not None
    lapse(server, queue.store, LEASE + 1)
    assert queue.reap() == 0
    assert server.llen(f"{queue.key}:dead") == 1, "given up after the third delivery"
    assert queue.pending() == 0


def test_renewed_lease_survives_the_reaper(server):
    queue = make_queue(server)
    queue.push(Request("https://api.m.jd.com/api?page=1"))
    popped = queue.pop()
    for _ in range(4):  # four renewals, each after 60 % of the lease: far past one lease in all
        lapse(server, queue.store, LEASE * 0.6)
        assert queue.leases.renew() == 1
        assert reap_key(server, queue.key) == 0
    queue.leases.complete(popped.meta[LEASE_META])
    assert pending_key(server, queue.key) == 0


def test_retry_hands_the_lease_over(server):
    queue = make_queue(server)
    queue.push(Request("https://api.m.jd.com/api?page=1"))
    popped = queue.pop()
    retry = popped.replace(dont_filter=True)
    queue.push(retry)
    assert queue.pending() == 1, "the retried copy replaces the leased entry"
    again = queue.pop()
    assert LEASE_META in again.meta and again.meta[LEASE_META] != popped.meta[LEASE_META]
    raw = server.hget(f"{queue.key}:data", again.meta[LEASE_META])
    assert b"surveil_lease" not in raw, "lease ids are never serialised"


def test_items_hold_the_lease_until_written(server):
    queue = make_queue(server)
    queue.push(Request("https://api.m.jd.com/api?page=1"))
    lease = queue.pop().meta[LEASE_META]
    item = object()
    queue.leases.item_out(lease, item)
    queue.leases.complete(lease)
    assert queue.pending() == 1, "callback done, listing not yet committed"
    queue.leases.item_done(item)
    assert queue.pending() == 0


def test_duplicate_check_and_push_are_one_step(server):
    queue = make_queue(server)
    dupefilter = f"{server.test_prefix}:run1:jd:dupefilter"
    request = Request("https://api.m.jd.com/api?page=1")
    assert queue.push(request, "fp-1", dupefilter) is True
    assert queue.push(request, "fp-1", dupefilter) is False, "seen: not queued twice"
    assert server.sismember(dupefilter, "fp-1")
    assert queue.pending() == 1
    popped = queue.pop()
    redirect = popped.replace(url="https://api.m.jd.com/api?page=2")
    assert queue.push(redirect, "fp-1", dupefilter) is False
    assert queue.pending() == 0, "a request sent on to a URL already seen gives its lease up"
    assert not queue.leases.held


def test_leases_name_their_worker_and_a_closing_worker_gives_them_back(server):
    queue = make_queue(server, lease=30, owner="crawl1:100")
    for page in (1, 2):
        queue.push(Request(f"https://api.m.jd.com/api?page={page}"))
    first, second = queue.pop(), queue.pop()
    assert sorted(queue.store.held_by("crawl1:100")) == sorted(
        [first.meta[LEASE_META], second.meta[LEASE_META]]
    )
    assert queue.store.held_by("crawl2:200") == []
    queue.leases.complete(first.meta[LEASE_META])
    assert queue.store.held_by("crawl1:100") == [second.meta[LEASE_META]]
    queue.leases.release()
    assert queue.reap() == 1, "given back at once, not after 30 s"
    assert queue.store.held_by("crawl1:100") == []
    assert queue.pop().url == second.url


def make_seeds(server, owner: str, lease: float = LEASE) -> LeasedStore:  # noqa: ANN001
    return LeasedStore(server, f"{server.test_prefix}:jd:seeds", lease, max_attempts=3, owner=owner)


def test_a_seed_whose_worker_died_goes_to_another(server):
    dead = make_seeds(server, "crawl1:100")
    for position, category in enumerate(["mask", "towel"]):
        dead.add(json.dumps({"category": category}), position)
    lease, data = dead.pop()
    assert json.loads(data) == {"category": "mask"}, "seeds come in their order"
    assert dead.pending() == 2 and dead.held_by("crawl1:100") == [lease]
    # crawl1 is killed here: nobody renews the lease, and the seed is nowhere else
    alive = make_seeds(server, "crawl2:200")
    assert alive.reap() == 0, "a live lease stays"
    taken = alive.pop()
    assert json.loads(taken[1]) == {"category": "towel"}
    alive.ack([taken[0]])
    assert alive.pop() is None
    lapse(server, alive, LEASE + 1)
    assert alive.reap() == 1
    assert dead.held_by("crawl1:100") == []
    again, data = alive.pop()
    assert json.loads(data) == {"category": "mask"}
    assert alive.held_by("crawl2:200") == [again]
    alive.ack([again])
    assert alive.pending() == 0 and alive.requeued() == 1 and alive.dead() == 0


def test_a_seed_that_keeps_killing_workers_is_set_aside(server):
    seeds = make_seeds(server, "crawl1:100")
    seeds.add(json.dumps({"category": "mask"}), 0)
    for _ in range(3):
        assert seeds.pop() is not None
        lapse(server, seeds, LEASE + 1)
        seeds.reap()
    assert seeds.pending() == 0 and seeds.dead() == 1


def test_a_renewed_seed_lease_survives_the_reaper(server):
    seeds = make_seeds(server, "crawl1:100")
    seeds.add(json.dumps({"category": "mask"}), 0)
    lease, _ = seeds.pop()
    for _ in range(4):
        lapse(server, seeds, LEASE * 0.6)
        assert seeds.renew([lease]) == 1
        assert make_seeds(server, "crawl2:200").reap() == 0
    seeds.ack([lease])
    assert seeds.pending() == 0


def test_rate_limit_spaces_requests_across_clients(server):
    import redis

    keys = Keys(server.test_prefix)
    a = PlatformRateLimiter(server, keys)
    b = PlatformRateLimiter(redis.Redis.from_url(REDIS_URL), keys)
    # A 5 s interval: the three reservations are made well within it even on a loaded machine (the
    # limiter only answers how long to wait; nothing here sleeps).
    starts, waits = [], []
    for limiter in (a, b, a):
        waits.append(limiter.reserve("jd", 5.0))
        starts.append(int(server.get(keys.rate("jd"))) - 5000)  # the slot reserved, in server ms
    assert waits[0] == 0.0, "the platform was free"
    assert [starts[1] - starts[0], starts[2] - starts[1]] == [5000, 5000], (
        "each reservation starts exactly one interval after the one before, whichever client made it"
    )
    assert waits[1] == pytest.approx(5.0, abs=1.0)
    assert waits[2] == pytest.approx(10.0, abs=1.0)
    assert waits[2] - waits[1] == pytest.approx(5.0, abs=1.0)
    assert a.reserve("yhd", 5.0) == 0.0, "platforms are independent"
    assert a.reserve("jd", 0) == 0.0
