package dev.shardline.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.app.AppSchema;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code explain --file}: one table row per statement, refused ones with the reason, exit code 2 if any is refused. */
@WithPgCluster(primaries = 2, replicas = 0)
class ExplainFileIT {
    private final PgCluster cluster;

    ExplainFileIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void explainFile_appQueries_tableWithRoutesAndRefusals() throws Exception {
        Path yaml = cluster.writeShardlineYaml(
                Files.createTempDirectory("explain-file").resolve("shardline.yaml"), AppSchema.TABLES_YAML);
        String sql;
        try (var in = getClass().getResourceAsStream("/app-queries.sql")) {
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try (ShardlineDataSource ds = ShardlineDataSource.create(ShardlineConfig.fromYaml(yaml))) {
            AppSchema.apply(ds);
            ExplainCommand cmd = new ExplainCommand();
            cmd.tenant = "acme";
            code = cmd.explainFile(ds, sql, new PrintStream(buf, true, StandardCharsets.UTF_8));
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        System.out.println(out);
        List<String> rows = out.lines().filter(l -> l.matches("^\\d+\\s+\\|.*")).toList();
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0)).contains("| SELECT id, status FROM orders").contains("| yes");
        assertThat(rows.get(1)).contains("| yes");
        assertThat(rows.get(2)).contains("| yes");
        assertThat(rows.get(3)).contains("| yes");
        assertThat(rows.get(5)).contains("| NO").contains("ShardlineCopy.copyIn");
        assertThat(out).contains("need a change");
        assertThat(code).isEqualTo(2);
    }
}
