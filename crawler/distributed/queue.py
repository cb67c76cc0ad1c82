"""Leased Redis queues: a popped entry is leased, not lost. The scrapy-redis request queue and the seeds
(platform × category) the coordinator hands out are both built on :class:`LeasedStore`.

Layout per store (``key`` = ``<prefix>:<platform>:requests`` or ``<prefix>:<platform>:seeds``):

- ``key``             sorted set of entry ids, scored by ``-priority`` (requests) or seed order;
- ``key:data``        hash, entry id -> the serialised request or seed;
- ``key:processing``  sorted set of leased entry ids, scored by the lease's expiry (Redis server time);
- ``key:owner``       hash, leased entry id -> the worker holding it (``host:pid``);
- ``key:dead``        list of entries given up after ``max_attempts`` deliveries;
- ``key:requeued``    how many expired leases were put back (a counter).

A worker pops an entry (atomically moved to ``processing``), renews its leases while it lives, and
acknowledges an entry once it is done: a request once its callback has finished and the listings it
produced are committed to the database, a seed once its first search requests are in the shared request
queue. Leases of a worker that died expire; :meth:`LeasedStore.reap` (run by every worker and by the
coordinator) puts them back. Entry ids carry the score and the delivery count: ``<score>|<attempt>|<uuid>``.

A request is pushed by one script that also checks and records it in the run's duplicate filter, so a
worker killed in between cannot leave a request marked seen that never reached the queue.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from scrapy_redis.queue import Base
from scrapy_redis.scheduler import Scheduler

log = logging.getLogger(__name__)

#: Request meta holding the entry id a request was popped as (never serialised).
LEASE_META = "surveil_lease"

POP = """
local ids = redis.call('ZRANGE', KEYS[1], 0, 0)
if #ids == 0 then return false end
local id = ids[1]
redis.call('ZREM', KEYS[1], id)
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
if ARGV[2] ~= '' then redis.call('HSET', KEYS[4], id, ARGV[2]) end
return {id, redis.call('HGET', KEYS[3], id)}
"""

PUSH = """
if ARGV[5] ~= '' then
  redis.call('ZREM', KEYS[3], ARGV[5])
  redis.call('HDEL', KEYS[2], ARGV[5])
  redis.call('HDEL', KEYS[4], ARGV[5])
end
if ARGV[4] ~= '' and redis.call('SADD', KEYS[5], ARGV[4]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
return 1
"""

RENEW = """
local t = redis.call('TIME')
local expiry = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local n = 0
for i = 2, #ARGV do
  n = n + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i])
end
return n
"""

REAP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
local requeued = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[6], id)
  local score, attempt, tag = string.match(id, '^([^|]+)|([^|]+)|(.+)$')
  local data = redis.call('HGET', KEYS[3], id)
  redis.call('HDEL', KEYS[3], id)
  if data then
    if tonumber(attempt) + 1 >= tonumber(ARGV[1]) then
      redis.call('RPUSH', KEYS[4], data)
    else
      local fresh = score .. '|' .. (tonumber(attempt) + 1) .. '|' .. tag
      redis.call('HSET', KEYS[3], fresh, data)
      redis.call('ZADD', KEYS[1], tonumber(score), fresh)
      requeued = requeued + 1
    end
  end
end
if requeued > 0 then redis.call('INCRBY', KEYS[5], requeued) end
return requeued
"""


def entry_id(score: float, attempt: int = 0) -> str:
    return f"{score:g}|{attempt}|{uuid.uuid4().hex}"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class LeasedStore:
    """One leased queue in Redis (see the module docstring for its keys)."""

    def __init__(
        self, server: Any, key: str, lease_seconds: float = 30.0, max_attempts: int = 4, owner: str = ""
    ) -> None:
        self.server = server
        self.key = key
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.owner = owner
        self.data_key = f"{key}:data"
        self.processing_key = f"{key}:processing"
        self.owner_key = f"{key}:owner"
        self.dead_key = f"{key}:dead"
        self.requeued_key = f"{key}:requeued"
        self._pop = server.register_script(POP)
        self._push = server.register_script(PUSH)
        self._renew = server.register_script(RENEW)
        self._reap = server.register_script(REAP)

    def add(
        self,
        data: bytes | str,
        score: float,
        fingerprint: str | None = None,
        dupefilter_key: str | None = None,
        replaces: str | None = None,
    ) -> bool:
        """Queue an entry; with ``fingerprint``, only when the duplicate filter had not seen it (False
        otherwise). ``replaces``: a leased entry this one takes the place of (removed in any case)."""
        keys = [self.key, self.data_key, self.processing_key, self.owner_key, dupefilter_key or self.key]
        args = [entry_id(score), score, data, fingerprint or "", replaces or ""]
        return bool(self._push(keys=keys, args=args))

    def pop(self) -> tuple[str, bytes | None] | None:
        """The next entry, leased to this store's owner: ``(entry id, data)``, or None when empty."""
        found = self._pop(
            keys=[self.key, self.processing_key, self.data_key, self.owner_key],
            args=[self.lease_seconds, self.owner],
        )
        if not found:
            return None
        raw_id, data = found
        return _text(raw_id), data

    def ack(self, ids: list[str]) -> None:
        if not ids:
            return
        pipe = self.server.pipeline(transaction=True)
        pipe.zrem(self.processing_key, *ids)
        pipe.hdel(self.data_key, *ids)
        pipe.hdel(self.owner_key, *ids)
        pipe.execute()

    def renew(self, ids: list[str]) -> int:
        if not ids:
            return 0
        return int(self._renew(keys=[self.processing_key], args=[self.lease_seconds, *ids]))

    def release(self, ids: list[str]) -> None:
        """Give leases up now: the next reap puts the entries back (counted as a delivery)."""
        if ids:
            self.server.zadd(self.processing_key, dict.fromkeys(ids, 0), xx=True)

    def reap(self) -> int:
        """Put entries whose lease expired back in the queue; returns how many."""
        keys = [
            self.key,
            self.processing_key,
            self.data_key,
            self.dead_key,
            self.requeued_key,
            self.owner_key,
        ]
        count = int(self._reap(keys=keys, args=[self.max_attempts]))
        if count:
            log.warning("%s: %d expired leases requeued", self.key, count)
        return count

    def queued(self) -> int:
        return int(self.server.zcard(self.key))

    def pending(self) -> int:
        """Queued plus leased entries: zero when this store's share of the crawl is done."""
        pipe = self.server.pipeline()
        pipe.zcard(self.key)
        pipe.zcard(self.processing_key)
        return sum(pipe.execute())

    def held_by(self, owner: str) -> list[str]:
        """Entries leased to ``owner`` now."""
        return [_text(k) for k, v in self.server.hgetall(self.owner_key).items() if _text(v) == owner]

    def dead(self) -> int:
        return int(self.server.llen(self.dead_key))

    def requeued(self) -> int:
        return int(self.server.get(self.requeued_key) or 0)

    def clear(self) -> None:
        self.server.delete(self.key, self.data_key, self.processing_key, self.owner_key)


class Leases:
    """What this worker holds: entries popped, their outstanding items, and which are done."""

    def __init__(self, queue: ReliableQueue) -> None:
        self.queue = queue
        self.held: set[str] = set()
        self.outstanding: dict[str, int] = {}
        self.item_lease: dict[int, str] = {}
        self.completed: set[str] = set()

    def item_out(self, lease: str, item: Any) -> None:
        self.outstanding[lease] = self.outstanding.get(lease, 0) + 1
        self.item_lease[id(item)] = lease

    def item_done(self, item: Any) -> None:
        lease = self.item_lease.pop(id(item), None)
        if lease is None:
            return
        self.outstanding[lease] -= 1
        if self.outstanding[lease] <= 0:
            del self.outstanding[lease]
            if lease in self.completed:
                self.ack(lease)

    def complete(self, lease: str) -> None:
        if lease not in self.held:
            return
        if self.outstanding.get(lease):
            self.completed.add(lease)
        else:
            self.ack(lease)

    def ack(self, *leases: str) -> None:
        for lease in leases:
            self.held.discard(lease)
            self.completed.discard(lease)
        if leases:
            self.queue.ack(list(leases))

    def drop(self, lease: str) -> None:
        """Stop renewing a lease without acknowledging it: it lapses and the entry is delivered again."""
        self.held.discard(lease)
        self.completed.discard(lease)

    def renew(self) -> int:
        return self.queue.renew(sorted(self.held)) if self.held else 0

    def release(self) -> None:
        """Give back every lease not acknowledged yet (a closing spider's)."""
        if self.held:
            self.queue.store.release(sorted(self.held))
            self.held.clear()
            self.completed.clear()


class ReliableQueue(Base):
    """scrapy-redis queue class (``SCHEDULER_QUEUE_CLASS``) with leases."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = getattr(spider, "settings", None)
        self.lease_seconds = settings.getfloat("SURVEIL_LEASE_SECONDS", 30.0) if settings else 30.0
        self.max_attempts = settings.getint("SURVEIL_MAX_DELIVERIES", 4) if settings else 4
        owner = (settings.get("SURVEIL_WORKER_ID") if settings else None) or worker_id()
        self.store = LeasedStore(server, self.key, self.lease_seconds, self.max_attempts, owner)
        self.data_key = self.store.data_key
        self.processing_key = self.store.processing_key
        self.dead_key = self.store.dead_key
        self.leases = Leases(self)
        spider.leases = self.leases

    def _encode_request(self, request: Any) -> bytes:
        obj = request.to_dict(spider=self.spider)
        obj["meta"] = {k: v for k, v in (obj.get("meta") or {}).items() if k != LEASE_META}
        return self.serializer.dumps(obj)

    def __len__(self) -> int:
        return self.store.queued()

    def pending(self) -> int:
        return self.store.pending()

    def push(self, request: Any, fingerprint: str | None = None, dupefilter_key: str | None = None) -> bool:
        """Queue a request (False: the duplicate filter had seen ``fingerprint``). A request popped
        earlier and sent again (a retry, a redirect) replaces the entry it was popped as."""
        handed_over = request.meta.get(LEASE_META)
        queued = self.store.add(
            self._encode_request(request), -request.priority, fingerprint, dupefilter_key, handed_over
        )
        if handed_over:
            self.leases.held.discard(handed_over)
        return queued

    def pop(self, timeout: float = 0) -> Any:
        found = self.store.pop()
        if not found:
            return None
        lease, data = found
        if data is None:
            self.ack([lease])
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease
        self.leases.held.add(lease)
        return request

    def ack(self, leases: list[str]) -> None:
        self.store.ack(leases)

    def renew(self, leases: list[str]) -> int:
        return self.store.renew(leases)

    def reap(self) -> int:
        return self.store.reap()

    def clear(self) -> None:
        self.store.clear()


class LeasedScheduler(Scheduler):
    """scrapy-redis' scheduler whose duplicate check and queue push are one Redis script."""

    def enqueue_request(self, request: Any) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push(request, fingerprint, self.df.key):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


def worker_id() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def reap_key(server: Any, key: str, max_attempts: int = 4) -> int:
    """:meth:`LeasedStore.reap` without a spider (the coordinator's)."""
    return LeasedStore(server, key, max_attempts=max_attempts).reap()


def pending_key(server: Any, key: str) -> int:
    return LeasedStore(server, key).pending()
