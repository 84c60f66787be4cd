package dev.shardline.cdc.cli;

import dev.shardline.cdc.CdcConfig;
import dev.shardline.cdc.CdcPipeline;
import dev.shardline.cdc.ShardlineCdcException;
import dev.shardline.cdc.internal.InvalidationLog;
import dev.shardline.cdc.internal.SidecarCache;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineConfigException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cdc --config shardline.yaml}: runs the CDC sidecar until SIGTERM/SIGINT, then stops every
 * engine gracefully. {@code cdc cleanup --config shardline.yaml} drops the slots and publications.
 * Never calls {@code System.exit}; it returns the exit code, so it can be a subcommand elsewhere.
 */
@Command(
        name = "cdc",
        mixinStandardHelpOptions = true,
        subcommands = {CdcCommand.Cleanup.class, CdcCommand.Resnapshot.class},
        description = "Streams every shard's changes into the analytics sinks and invalidates cache keys.")
public final class CdcCommand implements Callable<Integer> {
    // Not required here so that `cdc cleanup --config x` parses; call() checks it.
    @Option(
            names = {"-c", "--config"},
            description = "path of shardline.yaml")
    Path config;

    @Option(
            names = "--shards",
            split = ",",
            description = "stream only these shards (e.g. shard-0,shard-1); default: all")
    List<String> shards;

    @Option(
            names = "--invalidation-log",
            description = "append every cache invalidation the sidecar applies (shard, key, visible-from LSN,"
                    + " times) to this file, flushed per batch; for consistency checkers (default: off, no cost)")
    Path invalidationLog;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final CacheInvalidatorFactory invalidators;

    /**
     * Creates the command; {@code cdc.invalidate} rules go through a RedissonCacheAside on
     * {@code cache.redis.address}.
     */
    public CdcCommand() {
        this(SidecarCache::open);
    }

    /** Creates the command with the caller's cache invalidator (the factory may return null for none). */
    public CdcCommand(CacheInvalidatorFactory invalidators) {
        this.invalidators = invalidators;
    }

    private final java.util.List<dev.shardline.cdc.spi.ChangeSink> extraSinks = new java.util.ArrayList<>();

    /** Adds a sink of the embedding application to the sidecar (see {@link CdcPipeline.Builder#sink}); returns this command. */
    public CdcCommand withSink(dev.shardline.cdc.spi.ChangeSink sink) {
        extraSinks.add(java.util.Objects.requireNonNull(sink, "sink"));
        return this;
    }

    /** Builds the cache invalidator the sidecar uses; null for none. If it is AutoCloseable, it is closed at shutdown. */
    @FunctionalInterface
    public interface CacheInvalidatorFactory {
        dev.shardline.cache.CacheInvalidator create(ShardlineConfig config, CdcConfig cdc, MeterRegistry registry);
    }

    private dev.shardline.cache.CacheInvalidator invalidator;

    private void closeInvalidator() {
        if (invalidator instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // shutting down: nothing left to protect
            }
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (config == null) {
            err.println("cdc - missing --config <path of shardline.yaml>");
            return 2;
        }
        CdcPipeline pipeline;
        try {
            ShardlineConfig cfg = ShardlineConfig.fromYaml(config);
            CdcConfig cdc = CdcConfig.fromYaml(cfg);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            CdcPipeline.Builder b = CdcPipeline.builder(cfg, cdc).meterRegistry(registry);
            if (shards != null) b.shards(shards);
            extraSinks.forEach(b::sink);
            invalidator = invalidators.create(cfg, cdc, registry);
            if (invalidationLog != null) {
                if (invalidator == null) {
                    err.println(
                            "cdc - --invalidation-log ignored: cdc.invalidate has no rules, nothing is invalidated");
                } else {
                    invalidator = InvalidationLog.wrap(invalidator, invalidationLog);
                }
            }
            if (invalidator != null) b.invalidator(invalidator);
            pipeline = b.build();
            pipeline.start();
        } catch (ShardlineConfigException | ShardlineCdcException | dev.shardline.cache.ShardlineCacheException e) {
            err.println(e.getMessage());
            closeInvalidator();
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    pipeline.close();
                    closeInvalidator();
                    stopped.countDown();
                },
                "cdc-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        spec.commandLine()
                .getOut()
                .println("cdc - running" + (pipeline.httpPort() > 0 ? " (http port " + pipeline.httpPort() + ")" : ""));
        spec.commandLine().getOut().flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pipeline.close();
        }
        return 0;
    }

    /** {@code cdc resnapshot --shard X}: makes the next start copy shard X into the sinks again. */
    @Command(
            name = "resnapshot",
            mixinStandardHelpOptions = true,
            description =
                    "Drops a shard's slot and its analytics rows and offsets so the next start copies it again (run with the sidecar stopped).")
    static final class Resnapshot implements Callable<Integer> {
        @Option(
                names = {"-c", "--config"},
                required = true,
                description = "path of shardline.yaml")
        Path config;

        @Option(names = "--shard", required = true, description = "the shard to copy again, such as shard-0")
        String shard;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try {
                ShardlineConfig cfg = ShardlineConfig.fromYaml(config);
                CdcPipeline.resnapshot(cfg, CdcConfig.fromYaml(cfg), shard)
                        .forEach(spec.commandLine().getOut()::println);
                return 0;
            } catch (ShardlineConfigException | ShardlineCdcException e) {
                spec.commandLine().getErr().println(e.getMessage());
                return 2;
            }
        }
    }

    /** {@code cdc cleanup}: drops this pipeline's replication slots and publications on every shard. */
    @Command(
            name = "cleanup",
            mixinStandardHelpOptions = true,
            description = "Drops the CDC slots and publications on every shard.")
    static final class Cleanup implements Callable<Integer> {
        @Option(
                names = {"-c", "--config"},
                required = true,
                description = "path of shardline.yaml")
        Path config;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            try {
                ShardlineConfig cfg = ShardlineConfig.fromYaml(config);
                List<String> dropped = CdcPipeline.cleanup(cfg, CdcConfig.fromYaml(cfg));
                dropped.forEach(spec.commandLine().getOut()::println);
                if (dropped.isEmpty()) spec.commandLine().getOut().println("cdc cleanup - nothing to drop");
                return 0;
            } catch (ShardlineConfigException | ShardlineCdcException e) {
                spec.commandLine().getErr().println(e.getMessage());
                return 2;
            }
        }
    }
}
