package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.routing.internal.TwoPhaseCommit.Gid;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TwoPhaseCommitTest {
    private static final UUID ID = UUID.fromString("90f6365f-9989-4840-aa1a-8b4c51f3fcfa");

    @Test
    void gid_roundTrip_keepsDecisionShardAndXid() {
        Gid g = new Gid("shard-0", 4_294_967_301L, ID);
        assertThat(g.toString()).isEqualTo("shardline:shard-0:4294967301:90f6365f-9989-4840-aa1a-8b4c51f3fcfa");
        assertThat(Gid.parse(g.toString())).isEqualTo(g);
    }

    @Test
    void gid_shardNameWithColon_parsedFromTheRight() {
        Gid g = new Gid("eu:west", 7, ID);
        assertThat(Gid.parse(g.toString())).isEqualTo(g);
    }

    @Test
    void parse_foreignOrMalformedGids_null() {
        assertThat(Gid.parse("other:shard-0:7:" + ID)).isNull();
        assertThat(Gid.parse("shardline:shard-0:notanumber:" + ID)).isNull();
        assertThat(Gid.parse("shardline:shard-0:7:not-a-uuid")).isNull();
        assertThat(Gid.parse("shardline::7:" + ID)).isNull();
        assertThat(Gid.parse("shardline:7")).isNull();
        assertThat(Gid.parse(null)).isNull();
    }
}
