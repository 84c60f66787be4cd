package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Credentials never reach a log line, a toString or an error message: a password in the defaults
 * and one written into a shard's JDBC URL, through start-up against an unreachable shard, failed
 * statements, health, explain and the configuration's own toString.
 */
@WithPgCluster(primaries = 1, replicas = 0)
class CredentialsIT {
    private static final String PW_DEFAULT = "PwMarkerDefaults7";
    private static final String PW_URL = "PwMarkerInUrl9";

    private final PgCluster cluster;

    CredentialsIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @Test
    void passwords_neverPrinted() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        List<String> seen = new ArrayList<>();
        Path dir = Files.createTempDirectory("shardline-creds-");
        Path yaml = dir.resolve("shardline.yaml");
        Files.writeString(
                yaml,
                "defaults:\n  username: postgres\n  password: " + PW_DEFAULT
                        + "\n  pool: { maxSize: 2, connectionTimeout: 1s }\n"
                        + "shards:\n  - name: shard-0\n    primary: "
                        + cluster.primary(0).jdbcUrl() + "\n"
                        + "  - name: shard-1\n    primary: jdbc:postgresql://127.0.0.1:1/app?password=" + PW_URL
                        + "&connectTimeout=1\n"
                        + RoutingFixture.TABLES.replace("routing:\n", "routing:\n  startupCheck: warn\n"));
        try {
            ShardlineConfig cfg = ShardlineConfig.fromYaml(yaml);
            seen.add(cfg.toString());
            seen.add(cfg.shards().toString());
            try (ShardlineDataSource ds = ShardlineDataSource.create(
                    cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry())) {
                seen.add(ds.health().toString());
                for (int i = 0; i < 40; i++) {
                    String t = "c" + i;
                    seen.add(ds.explain("SELECT * FROM orders WHERE tenant_id = ?", t)
                            .toString());
                    try (Connection c = ds.getConnection();
                            PreparedStatement ps = c.prepareStatement("SELECT 1 FROM orders WHERE tenant_id = ?")) {
                        ps.setString(1, t);
                        ps.executeQuery().close();
                    } catch (SQLException e) {
                        StringWriter w = new StringWriter();
                        e.printStackTrace(new PrintWriter(w));
                        seen.add(w.toString());
                    }
                }
            }
        } finally {
            root.detachAppender(logs);
        }
        for (ILoggingEvent e : logs.list) {
            seen.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) seen.add(e.getThrowableProxy().getMessage());
        }
        assertThat(String.join("\n", seen))
                .contains("shard-1")
                .doesNotContain(PW_DEFAULT)
                .doesNotContain(PW_URL);
        assertThat(seen.stream().anyMatch(s -> s.contains("password=***"))).isTrue();
    }
}
