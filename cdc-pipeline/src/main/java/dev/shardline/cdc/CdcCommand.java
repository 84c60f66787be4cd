package dev.shardline.cdc;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.config.ShardlineConfigException;
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
@Command(name = "cdc", mixinStandardHelpOptions = true, subcommands = CdcCommand.Cleanup.class,
    description = "Streams every shard's changes into the analytics sinks and invalidates cache keys.")
public final class CdcCommand implements Callable<Integer> {
  // Not required here so that `cdc cleanup --config x` parses; call() checks it.
  @Option(names = {"-c", "--config"}, description = "path of shardline.yaml")
  Path config;

  @Spec CommandLine.Model.CommandSpec spec;

  private final CacheInvalidatorFactory invalidators;

  /** Creates the command with no cache invalidation. */
  public CdcCommand() {
    this(cfg -> null);
  }

  /** Creates the command; {@code invalidators} builds the cache invalidator from the config (may return null). */
  public CdcCommand(CacheInvalidatorFactory invalidators) {
    this.invalidators = invalidators;
  }

  /** Builds the cache invalidator the sidecar uses from the whole configuration; null for none. */
  @FunctionalInterface
  public interface CacheInvalidatorFactory {
    dev.shardline.cache.CacheInvalidator create(ShardlineConfig config);
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
      CdcPipeline.Builder b = CdcPipeline.builder(cfg, CdcConfig.fromYaml(cfg));
      var inv = invalidators.create(cfg);
      if (inv != null) b.invalidator(inv);
      pipeline = b.build();
      pipeline.start();
    } catch (ShardlineConfigException | ShardlineCdcException e) {
      err.println(e.getMessage());
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      pipeline.close();
      stopped.countDown();
    }, "cdc-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    spec.commandLine().getOut().println("cdc - running" + (pipeline.httpPort() > 0 ? " (http port " + pipeline.httpPort() + ")" : ""));
    spec.commandLine().getOut().flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pipeline.close();
    }
    return 0;
  }

  /** {@code cdc cleanup}: drops this pipeline's replication slots and publications on every shard. */
  @Command(name = "cleanup", mixinStandardHelpOptions = true, description = "Drops the CDC slots and publications on every shard.")
  static final class Cleanup implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "path of shardline.yaml")
    Path config;

    @Spec CommandLine.Model.CommandSpec spec;

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
