package dev.shardline.cache.internal;

/**
 * The Lua scripts that keep a key's version state. A key {@code k} has a version key {@code k:v}
 * holding {@code "<lsn> <token>"}: the WAL position from which its last invalidation is visible,
 * and a token no other write ever reuses. A shard's floor key holds the position up to which the
 * CDC sidecar has applied the shard's changes; it stands in for version state that was lost.
 * Every script takes KEYS = value key, version key, floor key, and ARGV[1] = "1" when positions
 * are in use (then the floor key is read), "0" otherwise.
 */
final class Scripts {
    private Scripts() {}

    /** The version a load holds: the existing one, or a new one based on the floor ('' when the floor is missing). */
    static final String BEGIN = ""
            + "local v = redis.call('GET', KEYS[2]) "
            + "if v then return v end "
            + "local base = '0' "
            + "if ARGV[1] == '1' then base = redis.call('GET', KEYS[3]) if not base then return '' end end "
            + "v = base .. ' ' .. ARGV[2] "
            + "redis.call('SET', KEYS[2], v, 'PX', ARGV[3]) "
            + "return v";

    /**
     * Stores the value only if the version is the one the load began with (no invalidation, no loss
     * in between) and, with positions, the read was at or past the version's position.
     * ARGV: 1 positional, 2 held version, 3 read lsn, 4 value, 5 px.
     */
    static final String FILL = ""
            + "if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end "
            + "if ARGV[1] == '1' then "
            + "  if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end "
            + "  local lsn = string.match(ARGV[2], '^(%d+)') "
            + "  if tonumber(ARGV[3]) < tonumber(lsn) then return 0 end "
            + "end "
            + "redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5]) "
            + "return 1";

    /**
     * Per key: deletes the value and gives the version a new token and the later of its position and
     * the invalidation's (a not-yet-seen commit, ARGV[2], is replaced by the next known position).
     * Many keys go in one call (one per tenant and {@link RedisOps#INVALIDATE_CHUNK} keys): per-call
     * overhead was most of an invalidation's cost. KEYS: (value, version, floor or version) per key.
     * ARGV: 1 version px, 2 the not-seen sentinel, then per key: positional, lsn or -1, token.
     */
    static final String INVALIDATE_MANY = ""
            // A call's keys share one shard floor: read once, not once per key (the script cannot change it).
            + "local floors = {} "
            + "for i = 1, #KEYS, 3 do "
            + "  local a = i + 2 "
            + "  local cur = redis.call('GET', KEYS[i + 1]) "
            + "  local lsn = '0' "
            + "  if cur then lsn = string.match(cur, '^(%d+)') "
            + "  elseif ARGV[a] == '1' then "
            + "    lsn = floors[KEYS[i + 2]] "
            + "    if not lsn then lsn = redis.call('GET', KEYS[i + 2]) or '0' floors[KEYS[i + 2]] = lsn end "
            + "  end "
            + "  if ARGV[a + 1] ~= '-1' and (lsn == ARGV[2] or tonumber(ARGV[a + 1]) > tonumber(lsn)) then "
            + "    lsn = ARGV[a + 1] end "
            + "  redis.call('SET', KEYS[i + 1], lsn .. ' ' .. ARGV[a + 2], 'PX', ARGV[1]) "
            + "  redis.call('DEL', KEYS[i]) "
            + "end "
            + "return #KEYS / 3";

    /**
     * A write-through: stored only when no newer invalidation is recorded (without a position: when
     * none is recorded at all); takes a new token so loads that began before it cannot overwrite it.
     * ARGV: 1 positional, 2 lsn or -1, 3 value, 4 px, 5 token, 6 version px, 7 the not-seen sentinel.
     */
    static final String PUT = ""
            + "local cur = redis.call('GET', KEYS[2]) "
            + "local base = '0' "
            + "if cur then base = string.match(cur, '^(%d+)') "
            + "elseif ARGV[1] == '1' then base = redis.call('GET', KEYS[3]) if not base then return 0 end end "
            + "if ARGV[2] == '-1' then if cur then return 0 end "
            + "elseif base == ARGV[7] or tonumber(base) > tonumber(ARGV[2]) then return 0 end "
            + "redis.call('SET', KEYS[2], base .. ' ' .. ARGV[5], 'PX', ARGV[6]) "
            + "redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) "
            + "return 1";

    /** Raises a shard's floor to ARGV[1] (creates it when missing, e.g. after FLUSHALL or a failover). KEYS: floor key. */
    static final String ADVANCE_FLOOR = ""
            + "local f = redis.call('GET', KEYS[1]) "
            + "if (not f) or tonumber(ARGV[1]) > tonumber(f) then redis.call('SET', KEYS[1], ARGV[1]) end "
            + "return 1";
}
