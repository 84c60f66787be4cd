package dev.shardline.cdc;

import dev.shardline.config.ConfigNode;
import dev.shardline.config.ShardlineConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code cdc:} section of {@code shardline.yaml}, bound and validated.
 *
 * <pre>
 * cdc:
 *   name: shardline              # prefix of slots (shardline_shard_0) and the publication (shardline_cdc)
 *   tables: [orders, customers]  # each must be a sharded or broadcast table under tables:
 *   snapshot: initial            # initial (copy existing rows on first start) | never
 *   pollInterval: 10ms
 *   heartbeat: 5s                # 0s disables; keeps quiet shards from pinning WAL
 *   maxBatchSize: 2048
 *   http: { port: 9464 }         # health, readiness and Prometheus metrics; omit to disable
 *   sinks:
 *     duckdb: { path: analytics.duckdb, threads: 1 }  # threads: DuckDB's workers for the file (readers too)
 *     postgres: { url: jdbc:postgresql://host/analytics, username: app, password: secret, changelog: analytics.xml }
 *   offsets: { file: offsets.dat } # only when no analytics sink holds them
 *   invalidate:
 *     orders: { namespace: order, tenant: tenant_id, id: id }
 *   truncate: delete              # delete (that shard's analytics rows) | ignore
 *   onError: { cache: halt, postgres: deadletter, mySink: deadletter }  # per sink: halt (default) | deadletter
 * </pre>
 */
public record CdcConfig(
        String name,
        List<String> tables,
        SnapshotMode snapshot,
        Duration pollInterval,
        Duration heartbeat,
        int maxBatchSize,
        Optional<Integer> httpPort,
        Optional<Path> duckdbPath,
        int duckdbThreads,
        Optional<PostgresSink> postgres,
        Optional<Path> offsetsFile,
        List<InvalidationRule> invalidations,
        TruncateMode truncate,
        Map<String, OnError> onError) {

    /** What a TRUNCATE of a captured table does to the analytics sinks. */
    public enum TruncateMode {
        /** Removes the rows that came from the truncating shard (the default). */
        DELETE,
        /** Leaves the analytics rows in place (the TRUNCATE still reaches the application's sinks). */
        IGNORE
    }

    /** Whether rows existing before the first start are copied into the sinks. */
    public enum SnapshotMode {
        INITIAL,
        NEVER
    }

    /**
     * Connection settings of the PostgreSQL analytics sink.
     *
     * @param changelog a Liquibase changelog file with the user's own analytics DDL (tables, indexes,
     *     partitions), run before Shardline derives any missing table from the source
     */
    public record PostgresSink(String url, String username, String password, Optional<Path> changelog) {
        public PostgresSink(String url, String username, String password) {
            this(url, username, password, Optional.empty());
        }

        @Override
        public String toString() {
            return "PostgresSink(" + url + ", user=" + username + ")";
        }
    }

    public CdcConfig {
        Objects.requireNonNull(name, "name");
        tables = List.copyOf(tables);
        invalidations = List.copyOf(invalidations);
        Objects.requireNonNull(truncate, "truncate");
        onError = Map.copyOf(onError);
        if (onError.containsValue(OnError.DEADLETTER) && duckdbPath.isEmpty() && postgres.isEmpty()) {
            throw new ShardlineCdcException(
                    "cdc - onError: deadletter needs an analytics sink (sinks.duckdb or sinks.postgres) to hold "
                            + "the dead-letter table; configure one or use onError: halt");
        }
        if (duckdbThreads < 1 || duckdbThreads > 256) {
            throw new ShardlineCdcException(
                    "cdc - sinks.duckdb.threads must be between 1 and 256, was " + duckdbThreads);
        }
        if (!name.matches("[a-z][a-z0-9_]{0,39}")) {
            throw new ShardlineCdcException(
                    "cdc - name must be lower-case letters, digits or '_' (at most 40), was '" + name + "'");
        }
        if (tables.isEmpty()) throw new ShardlineCdcException("cdc - tables must list at least one table to capture");
        if (duckdbPath.isEmpty() && postgres.isEmpty() && offsetsFile.isEmpty()) {
            throw new ShardlineCdcException(
                    "cdc - no place for offsets: configure sinks.duckdb or sinks.postgres (offsets are kept with the rows) or offsets.file");
        }
    }

    /** Returns the failure policy of the sink named {@code sink} ({@code cache}, {@code duckdb}, {@code postgres} or a user sink's name). */
    public OnError onErrorOf(String sink) {
        return onError.getOrDefault(sink, OnError.HALT);
    }

    /** Returns the replication slot name of {@code shard}, such as {@code shardline_shard_1}. */
    public String slotName(String shard) {
        return name + "_" + shard.replace('-', '_');
    }

    /** Returns the name of the publication created on every shard primary. */
    public String publicationName() {
        return name + "_cdc";
    }

    /**
     * Binds the {@code cdc:} section of {@code config}'s file.
     *
     * @throws dev.shardline.config.ShardlineConfigException naming file, line and key of a bad value
     */
    public static CdcConfig fromYaml(ShardlineConfig config) {
        ConfigNode n = config.section("cdc");
        if (n.isMissing())
            throw n.error("is required to run the CDC pipeline: add a cdc: section with tables and sinks");
        n.allowOnly(
                "name",
                "tables",
                "snapshot",
                "pollInterval",
                "heartbeat",
                "maxBatchSize",
                "http",
                "sinks",
                "offsets",
                "invalidate",
                "truncate",
                "onError");
        List<String> tables = new ArrayList<>();
        for (ConfigNode t : n.get("tables").isList() ? n.get("tables").list() : List.of(n.get("tables"))) {
            String table = t.string().toLowerCase(Locale.ROOT);
            if (!config.tables().isSharded(table) && !config.tables().isBroadcast(table)) {
                throw t.error("unknown table '" + table
                        + "': capture only tables listed under tables.sharded or tables.broadcast; "
                        + "add it there or remove it from cdc.tables");
            }
            if (tables.contains(table)) throw t.error("table '" + table + "' is listed twice");
            tables.add(table);
        }
        if (tables.isEmpty()) throw n.get("tables").error("must list at least one table to capture");
        Duration poll = n.get("pollInterval").durationOr(Duration.ofMillis(10));
        if (poll.isNegative() || poll.isZero() || poll.toMillis() > 60_000) {
            throw n.get("pollInterval").error("must be between 1ms and 60s, was " + poll);
        }
        Duration heartbeat = n.get("heartbeat").durationOr(Duration.ofSeconds(5));
        ConfigNode http = n.get("http").allowOnly("port");
        Optional<Integer> port = http.isMissing()
                ? Optional.empty()
                : Optional.of(http.get("port").intValue(0, 65535));
        ConfigNode sinks = n.get("sinks").allowOnly("duckdb", "postgres");
        Optional<Path> duck = Optional.empty();
        ConfigNode duckNode = sinks.get("duckdb").allowOnly("path", "threads");
        if (!duckNode.isMissing())
            duck = Optional.of(Path.of(duckNode.get("path").string()));
        int duckThreads = duckNode.get("threads").intOr(1, 1, 256);
        Optional<PostgresSink> pg = Optional.empty();
        ConfigNode pgNode = sinks.get("postgres").allowOnly("url", "username", "password", "changelog");
        if (!pgNode.isMissing()) {
            String url = pgNode.get("url").string();
            if (!url.startsWith("jdbc:postgresql://")) {
                throw pgNode.get("url").error("must be a jdbc:postgresql://host:port/database URL, was '" + url + "'");
            }
            Optional<Path> changelog = Optional.empty();
            if (!pgNode.get("changelog").isMissing()) {
                Path file = Path.of(pgNode.get("changelog").string());
                if (!java.nio.file.Files.isRegularFile(file)) {
                    throw pgNode.get("changelog")
                            .error("file not found: " + file.toAbsolutePath()
                                    + "; give the path of a Liquibase changelog");
                }
                changelog = Optional.of(file);
            }
            pg = Optional.of(new PostgresSink(
                    url,
                    pgNode.get("username").stringOr("postgres"),
                    pgNode.get("password").stringOr(""),
                    changelog));
        }
        ConfigNode off = n.get("offsets").allowOnly("file");
        Optional<Path> offsets = off.isMissing()
                ? Optional.empty()
                : Optional.of(Path.of(off.get("file").string()));
        List<InvalidationRule> rules = bindRules(n.get("invalidate"), tables);
        Map<String, OnError> onError = new LinkedHashMap<>();
        n.get("onError").entries().forEach((sink, policy) -> onError.put(sink, policy.enumOr(OnError.HALT)));
        Optional<Path> duckPath = duck;
        Optional<PostgresSink> pgSink = pg;
        return n.guard(() -> {
            try {
                return new CdcConfig(
                        n.get("name").stringOr("shardline"),
                        tables,
                        n.get("snapshot").enumOr(SnapshotMode.INITIAL),
                        poll,
                        heartbeat,
                        n.get("maxBatchSize").intOr(2048, 1, 100_000),
                        port,
                        duckPath,
                        duckThreads,
                        pgSink,
                        offsets,
                        rules,
                        n.get("truncate").enumOr(TruncateMode.DELETE),
                        onError);
            } catch (ShardlineCdcException e) {
                throw new dev.shardline.config.ShardlineConfigException(e.getMessage());
            }
        });
    }

    private static List<InvalidationRule> bindRules(ConfigNode node, List<String> tables) {
        Map<String, InvalidationRule> out = new LinkedHashMap<>();
        node.entries().forEach((table, rule) -> {
            String t = table.toLowerCase(Locale.ROOT);
            if (!tables.contains(t)) {
                throw rule.error("table '" + table + "' is not captured; add it to cdc.tables or remove this rule");
            }
            rule.allowOnly("namespace", "tenant", "id");
            out.put(
                    t,
                    new InvalidationRule(
                            t,
                            rule.get("namespace").string(),
                            rule.get("tenant").string().toLowerCase(Locale.ROOT),
                            rule.get("id").string().toLowerCase(Locale.ROOT)));
        });
        return List.copyOf(out.values());
    }
}
