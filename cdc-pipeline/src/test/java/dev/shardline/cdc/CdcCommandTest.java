package dev.shardline.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.cdc.cli.CdcCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CdcCommandTest {
    @TempDir
    Path dir;

    @Test
    void call_missingConfigFile_exitCode2WithPath() {
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CdcCommand())
                .setErr(new PrintWriter(err))
                .execute("--config", dir.resolve("nope.yaml").toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("nope.yaml - file not found");
    }

    @Test
    void call_configWithoutCdcSection_exitCode2SaysWhatToAdd() throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("shardline.yaml"),
                "shards:\n  - name: shard-0\n    primary: jdbc:postgresql://127.0.0.1:1/a\n");
        StringWriter err = new StringWriter();
        int code =
                new CommandLine(new CdcCommand()).setErr(new PrintWriter(err)).execute("--config", yaml.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cdc - is required to run the CDC pipeline");
    }

    @Test
    void cleanup_unreachableShard_exitCode2NamesShard() throws Exception {
        Path yaml = Files.writeString(dir.resolve("shardline.yaml"), """
        shards:
          - name: shard-0
            primary: jdbc:postgresql://127.0.0.1:1/a
        tables: { sharded: { orders: tenant_id } }
        cdc: { tables: [orders], sinks: { duckdb: { path: a.duckdb } } }
        """);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CdcCommand())
                .setErr(new PrintWriter(err))
                .execute("cleanup", "--config", yaml.toString());
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("cdc shard-0 - cannot connect to jdbc:postgresql://127.0.0.1:1/a");
    }

    @Test
    void call_shardsNamesUnknownShard_exitCode2ListsTheShards() throws Exception {
        Path yaml = Files.writeString(dir.resolve("shardline.yaml"), """
        shards:
          - name: shard-0
            primary: jdbc:postgresql://127.0.0.1:1/a
        tables: { sharded: { orders: tenant_id } }
        cdc: { tables: [orders], sinks: { duckdb: { path: a.duckdb } } }
        """);
        StringWriter err = new StringWriter();
        int code = new CommandLine(new CdcCommand())
                .setErr(new PrintWriter(err))
                .execute("--config", yaml.toString(), "--shards", "shard-9");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("cdc - --shards names 'shard-9' but shardline.yaml has the shards [shard-0]");
    }
}
