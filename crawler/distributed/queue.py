"""A reliable scrapy-redis request queue: a popped request is leased, not lost.

Layout per platform (``key`` = ``<prefix>:<platform>:requests``):

- ``key``             sorted set of entry ids, scored by ``-priority`` (lowest first, as scrapy-redis);
- ``key:data``        hash, entry id -> the serialised request;
- ``key:processing``  sorted set of leased entry ids, scored by the lease's expiry (Redis server time);
- ``key:dead``        list of requests given up after ``max_attempts`` deliveries;
- ``key:requeued``    how many expired leases were put back (a counter).

A worker pops an entry (atomically moved to ``processing``), renews its leases while it lives, and
acknowledges an entry once the callback has finished and the listings it produced are committed to the
database. Leases of a worker that died expire; :meth:`ReliableQueue.reap` (run by every worker and by the
coordinator) puts them back in the queue. Entry ids carry the priority and the delivery count:
``<score>|<attempt>|<uuid>``.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from scrapy_redis.queue import Base

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
return {id, redis.call('HGET', KEYS[3], id)}
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

    def renew(self) -> int:
        return self.queue.renew(sorted(self.held)) if self.held else 0


class ReliableQueue(Base):
    """scrapy-redis queue class (``SCHEDULER_QUEUE_CLASS``) with leases."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        settings = getattr(spider, "settings", None)
        self.lease_seconds = settings.getfloat("SURVEIL_LEASE_SECONDS", 30.0) if settings else 30.0
        self.max_attempts = settings.getint("SURVEIL_MAX_DELIVERIES", 4) if settings else 4
        self.data_key = f"{self.key}:data"
        self.processing_key = f"{self.key}:processing"
        self.dead_key = f"{self.key}:dead"
        self._pop = server.register_script(POP)
        self._renew = server.register_script(RENEW)
        self._reap = server.register_script(REAP)
        self.leases = Leases(self)
        spider.leases = self.leases

    def _encode_request(self, request: Any) -> bytes:
        obj = request.to_dict(spider=self.spider)
        obj["meta"] = {k: v for k, v in (obj.get("meta") or {}).items() if k != LEASE_META}
        return self.serializer.dumps(obj)

    def __len__(self) -> int:
        return self.server.zcard(self.key)

    def pending(self) -> int:
        """Queued plus leased entries: zero when this platform's share of the crawl is done."""
        pipe = self.server.pipeline()
        pipe.zcard(self.key)
        pipe.zcard(self.processing_key)
        return sum(pipe.execute())

    def push(self, request: Any) -> None:
        data = self._encode_request(request)
        score = -request.priority
        handed_over = request.meta.get(LEASE_META)
        new_id = entry_id(score)
        pipe = self.server.pipeline(transaction=True)
        pipe.hset(self.data_key, new_id, data)
        pipe.zadd(self.key, {new_id: score})
        if handed_over:
            # A request sent again (a retry) replaces the entry it was popped as.
            pipe.zrem(self.processing_key, handed_over)
            pipe.hdel(self.data_key, handed_over)
        pipe.execute()
        if handed_over:
            self.leases.held.discard(handed_over)

    def pop(self, timeout: float = 0) -> Any:
        found = self._pop(keys=[self.key, self.processing_key, self.data_key], args=[self.lease_seconds])
        if not found:
            return None
        raw_id, data = found
        lease = raw_id.decode() if isinstance(raw_id, bytes) else raw_id
        if data is None:
            self.ack([lease])
            return None
        request = self._decode_request(data)
        request.meta[LEASE_META] = lease
        self.leases.held.add(lease)
        return request

    def ack(self, leases: list[str]) -> None:
        pipe = self.server.pipeline(transaction=True)
        pipe.zrem(self.processing_key, *leases)
        pipe.hdel(self.data_key, *leases)
        pipe.execute()

    def renew(self, leases: list[str]) -> int:
        return int(self._renew(keys=[self.processing_key], args=[self.lease_seconds, *leases]))

    def reap(self) -> int:
        """Put entries whose lease expired back in the queue; returns how many."""
        count = int(
            self._reap(
                keys=[self.key, self.processing_key, self.data_key, self.dead_key, f"{self.key}:requeued"],
                args=[self.max_attempts],
            )
        )
        if count:
            log.warning("%s: %d expired leases requeued", self.key, count)
        return count

    def clear(self) -> None:
        self.server.delete(self.key, self.data_key, self.processing_key)


def reap_key(server: Any, key: str, max_attempts: int = 4) -> int:
    """:meth:`ReliableQueue.reap` without a spider (the coordinator's)."""
    script = server.register_script(REAP)
    keys = [key, f"{key}:processing", f"{key}:data", f"{key}:dead", f"{key}:requeued"]
    return int(script(keys=keys, args=[max_attempts]))


def pending_key(server: Any, key: str) -> int:
    pipe = server.pipeline()
    pipe.zcard(key)
    pipe.zcard(f"{key}:processing")
    return sum(pipe.execute())
