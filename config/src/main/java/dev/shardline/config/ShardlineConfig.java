package dev.shardline.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The shared part of {@code shardline.yaml}: the shard topology, the table rules and the
 * tenant → bucket → shard map. Every module reads this; each then reads its own section from
 * {@link #yaml()}.
 */
public record ShardlineConfig(
        List<ShardSpec> shards, TableRules tables, BucketMap buckets, Optional<ShardlineYaml> yaml) {
    public static final int DEFAULT_BUCKETS = 1024;

    public ShardlineConfig {
        shards = List.copyOf(shards);
        Objects.requireNonNull(tables, "tables");
        Objects.requireNonNull(buckets, "buckets");
        if (!buckets.shardNames().equals(shards.stream().map(ShardSpec::name).toList())) {
            throw new ShardlineConfigException("the bucket map must be built over the shards in order "
                    + shards.stream().map(ShardSpec::name).toList() + ", was " + buckets.shardNames());
        }
    }

    /**
     * Reads, validates and binds {@code shardline.yaml}.
     *
     * @throws ShardlineConfigException naming file, line and key path of the first problem found
     */
    public static ShardlineConfig fromYaml(Path path) {
        return from(ShardlineYaml.load(path));
    }

    /** Binds an already parsed document. */
    public static ShardlineConfig from(ShardlineYaml yaml) {
        ConfigNode root = yaml.root();
        Defaults defaults = Defaults.bind(root.get("defaults"));
        List<ShardSpec> shards = bindShards(root.get("shards"), defaults);
        TableRules tables = bindTables(root.get("tables"));
        BucketMap buckets = bindBuckets(root.get("buckets"), root.get("pins"), shards);
        return new ShardlineConfig(shards, tables, buckets, Optional.of(yaml));
    }

    /** Returns the shard called {@code name}, or fails naming the known shards. */
    public ShardSpec shard(String name) {
        return shards.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new ShardlineConfigException("unknown shard '" + name + "'; known shards: "
                        + shards.stream().map(ShardSpec::name).toList()));
    }

    public List<String> shardNames() {
        return buckets.shardNames();
    }

    /** Returns the section {@code name} of the file this config came from, or a missing node. */
    public ConfigNode section(String name) {
        return yaml.map(y -> y.section(name))
                .orElseGet(() ->
                        ShardlineYaml.parse("{}", "<programmatic>", k -> null).section(name));
    }

    private record Defaults(String username, String password, ConfigNode pool) {
        static Defaults bind(ConfigNode n) {
            n.allowOnly("username", "password", "pool");
            return new Defaults(
                    n.get("username").stringOr("postgres"), n.get("password").stringOr(""), n.get("pool"));
        }
    }

    private static List<ShardSpec> bindShards(ConfigNode node, Defaults defaults) {
        if (node.isMissing()) {
            throw node.error("is required: list each shard with a name and a primary JDBC URL");
        }
        List<ConfigNode> items = node.list();
        if (items.isEmpty()) throw node.error("must list at least one shard");
        List<ShardSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> urls = new HashSet<>();
        for (ConfigNode s : items) {
            s.allowOnly("name", "primary", "replicas", "username", "password", "pool");
            String name = s.get("name").string();
            s.get("name").guard(() -> {
                if (!ShardSpec.NAME.matcher(name).matches()) {
                    throw new ShardlineConfigException(
                            "a shard name must be lower-case letters, digits, '-' or '_' (at most 63), was '" + name
                                    + "'");
                }
                return name;
            });
            if (!names.add(name))
                throw s.get("name").error("duplicate shard name '" + name + "'; shard names must be unique");
            String user = s.get("username").stringOr(defaults.username());
            String pass = s.get("password").stringOr(defaults.password());
            ConfigNode primaryNode = s.get("primary");
            Endpoint primary = endpoint(primaryNode, name + "/primary", name, Endpoint.Role.PRIMARY, user, pass, urls);
            List<Endpoint> replicas = new ArrayList<>();
            List<ConfigNode> replicaNodes = s.get("replicas").isMissing()
                    ? List.of()
                    : s.get("replicas").list();
            for (int i = 0; i < replicaNodes.size(); i++) {
                replicas.add(endpoint(
                        replicaNodes.get(i), name + "/replica-" + i, name, Endpoint.Role.REPLICA, user, pass, urls));
            }
            PoolSettings pool = bindPool(defaults.pool(), s.get("pool"));
            out.add(new ShardSpec(name, primary, replicas, pool));
        }
        return out;
    }

    private static Endpoint endpoint(
            ConfigNode n, String id, String shard, Endpoint.Role role, String user, String pass, Set<String> seen) {
        String url = n.string();
        Endpoint e = n.guard(() -> new Endpoint(id, shard, role, url, user, pass));
        if (!seen.add(url)) {
            throw n.error(
                    "URL '" + url + "' is used twice; every primary and replica must be a distinct server or database");
        }
        return e;
    }

    private static PoolSettings bindPool(ConfigNode defaults, ConfigNode own) {
        PoolSettings.Builder b = PoolSettings.builder();
        for (ConfigNode n : List.of(defaults, own)) {
            n.allowOnly("maxSize", "minIdle", "connectionTimeout", "idleTimeout", "maxLifetime");
            if (!n.get("maxSize").isMissing())
                n.get("maxSize").guard(() -> b.maxSize(n.get("maxSize").intValue(1, 1000)));
            if (!n.get("minIdle").isMissing())
                n.get("minIdle").guard(() -> b.minIdle(n.get("minIdle").intValue(0, 1000)));
            if (!n.get("connectionTimeout").isMissing()) {
                n.get("connectionTimeout")
                        .guard(() ->
                                b.connectionTimeout(n.get("connectionTimeout").duration()));
            }
            if (!n.get("idleTimeout").isMissing())
                n.get("idleTimeout")
                        .guard(() -> b.idleTimeout(n.get("idleTimeout").duration()));
            if (!n.get("maxLifetime").isMissing())
                n.get("maxLifetime")
                        .guard(() -> b.maxLifetime(n.get("maxLifetime").duration()));
        }
        ConfigNode where = own.isMissing() ? defaults : own;
        return where.guard(b::build);
    }

    private static TableRules bindTables(ConfigNode node) {
        node.allowOnly("tenantColumn", "sharded", "broadcast");
        String defaultColumn = node.get("tenantColumn").stringOr("tenant_id");
        Map<String, String> sharded = new LinkedHashMap<>();
        ConfigNode s = node.get("sharded");
        if (s.isList()) {
            for (ConfigNode t : s.list()) putTable(sharded, t, t.string(), defaultColumn);
        } else {
            s.entries().forEach((table, col) -> putTable(sharded, col, table, col.string()));
        }
        List<String> broadcast = node.get("broadcast").strings();
        return node.guard(() -> new TableRules(sharded, new java.util.LinkedHashSet<>(broadcast)));
    }

    private static void putTable(Map<String, String> into, ConfigNode at, String table, String column) {
        if (!table.matches("[A-Za-z_][A-Za-z0-9_$.]*") || !column.matches("[A-Za-z_][A-Za-z0-9_$]*")) {
            throw at.error(
                    "table and tenant column must be plain SQL identifiers, was '" + table + "' → '" + column + "'");
        }
        if (into.putIfAbsent(table.toLowerCase(), column) != null)
            throw at.error("table '" + table + "' is listed twice");
    }

    private static BucketMap bindBuckets(ConfigNode node, ConfigNode pins, List<ShardSpec> shards) {
        node.allowOnly("count", "assign");
        int count = node.get("count").intOr(DEFAULT_BUCKETS, 1, 65_536);
        List<String> names = shards.stream().map(ShardSpec::name).toList();
        BucketMap.Builder b = node.get("count").guard(() -> BucketMap.builder(count, names));
        ConfigNode assign = node.get("assign");
        if (assign.isMissing()) {
            b.assignEvenly();
        } else {
            assign.entries().forEach((shard, ranges) -> {
                for (String r : ranges.strings()) {
                    int[] range = parseRange(ranges, r);
                    ranges.guard(() -> b.assign(shard, range[0], range[1]));
                }
            });
        }
        pins.entries().forEach((tenant, shard) -> shard.guard(() -> b.pin(tenant, shard.string())));
        return assign.isMissing() ? b.build() : assign.guard(b::build);
    }

    private static int[] parseRange(ConfigNode at, String text) {
        String[] parts = text.trim().split("\\s*-\\s*");
        try {
            if (parts.length == 1) {
                int v = Integer.parseInt(parts[0]);
                return new int[] {v, v};
            }
            if (parts.length == 2) return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (NumberFormatException e) {
            // reported below with the expected form
        }
        throw at.error("expected a bucket range such as 0-511 or a single bucket such as 7, was '" + text + "'");
    }
}
