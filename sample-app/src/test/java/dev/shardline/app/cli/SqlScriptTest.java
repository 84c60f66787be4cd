package dev.shardline.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScriptTest {
    @Test
    void split_semicolonsInsideQuotesCommentsAndDollarBodies_stayInTheirStatement() {
        String text = """
        -- leading comment; not a statement
        SELECT 'a;b' FROM orders WHERE tenant_id = ?;
        SELECT "odd;name" FROM t; /* c; d */
        DO $body$ BEGIN PERFORM 1; END $body$;
        INSERT INTO orders VALUES ('it''s; fine', 1)
        """;
        assertThat(SqlScript.split(text))
                .containsExactly(
                        "-- leading comment; not a statement\nSELECT 'a;b' FROM orders WHERE tenant_id = ?",
                        "SELECT \"odd;name\" FROM t",
                        "/* c; d */\nDO $body$ BEGIN PERFORM 1; END $body$",
                        "INSERT INTO orders VALUES ('it''s; fine', 1)");
    }

    @Test
    void split_onlyComments_noStatements() {
        assertThat(SqlScript.split("-- nothing\n/* here; */\n;")).isEmpty();
    }
}
