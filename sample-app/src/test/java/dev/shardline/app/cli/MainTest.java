package dev.shardline.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    @Test
    void status_configWithoutMigrations_printsTheMessageNotATrace(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("shardline.yaml"),
                "shards:\n  - name: shard-0\n    primary: jdbc:postgresql://127.0.0.1:1/x\n"
                        + "tables:\n  sharded: { orders: tenant_id }\n");
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setErr(new PrintWriter(err, true)).execute("status", "--config", yaml.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip())
                .startsWith(yaml + ":1:1 migrations - is required to migrate")
                .doesNotContain("\tat ")
                .doesNotContain("Exception");
    }
}
