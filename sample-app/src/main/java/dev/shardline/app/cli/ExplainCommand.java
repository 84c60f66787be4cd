package dev.shardline.app.cli;

import dev.shardline.routing.RoutePlan;
import dev.shardline.routing.ShardlineDataSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints where a statement would go and why, without running it. */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Show which shard and server a statement would run on, and why (nothing is executed).")
public final class ExplainCommand implements Callable<Integer> {
  @Option(names = {"-c", "--config"}, required = true, description = "path of shardline.yaml")
  Path config;

  @Option(names = {"-t", "--tenant"}, description = "tenant id that fills the statement's tenant-key parameters (or acts as context)")
  String tenant;

  @Parameters(index = "0", description = "the SQL statement, quoted")
  String sql;

  @Override
  public Integer call() {
    try (ShardlineDataSource ds = ShardlineDataSource.fromYaml(config)) {
      RoutePlan p = ds.explain(sql, tenant);
      System.out.println("kind:   " + p.kind());
      System.out.println("shards: " + p.shards());
      System.out.println("role:   " + p.role());
      System.out.println("why:    " + p.reason());
      return p.kind().endsWith("rejected") ? 2 : 0;
    } catch (RuntimeException e) {
      System.err.println(e.getMessage());
      return 1;
    }
  }
}
