package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LiteralShapeTest {
    private static LiteralShape shape(String sql) throws Exception {
        return LiteralShape.of(SqlText.of(sql));
    }

    @Test
    void of_valuesAfterComparisons_becomeMarkersWithTypes() throws Exception {
        LiteralShape s = shape(
                "SELECT * FROM orders WHERE tenant_id = 'it''s' AND id = 42 AND amount >= 3000000000 AND x < 1.5");
        assertThat(s.sql()).isEqualTo("SELECT * FROM orders WHERE tenant_id = ? AND id = ? AND amount >= ? AND x < ?");
        assertThat(s.literals()).containsExactly("it's", "42", "3000000000", "1.5");
        assertThat(s.types()).containsExactly(null, "int4", "int8", "numeric");
        assertThat(s.originalParam()).containsExactly(-1, -1, -1, -1);
    }

    @Test
    void of_ownMarkersKeepTheirIndexes() throws Exception {
        LiteralShape s = shape("UPDATE orders SET note = 'x' WHERE tenant_id = ? AND id = 7 AND status <> ?");
        assertThat(s.sql()).isEqualTo("UPDATE orders SET note = ? WHERE tenant_id = ? AND id = ? AND status <> ?");
        assertThat(s.originalParam()).containsExactly(-1, 0, -1, 1);
    }

    @Test
    void of_listsRowsAndArrays_replaced() throws Exception {
        assertThat(shape("INSERT INTO orders (tenant_id, id) VALUES ('a', 1), ('a', 2)")
                        .sql())
                .isEqualTo("INSERT INTO orders (tenant_id, id) VALUES (?, ?), (?, ?)");
        assertThat(shape("SELECT 1 FROM t WHERE a IN ('x', 'y') AND b = ANY (ARRAY['p', 'q'])")
                        .sql())
                .isEqualTo("SELECT ? FROM t WHERE a IN (?, ?) AND b = ANY (ARRAY[?, ?])");
    }

    @Test
    void of_literalsWhoseReplacementCouldChangeMeaning_stay() throws Exception {
        for (String sql : new String[] {
            "SELECT a FROM t ORDER BY 1",
            "SELECT a, count(*) FROM t GROUP BY 1",
            "SELECT a FROM t WHERE d > DATE '2020-01-01'",
            "SELECT a FROM t WHERE d > now() - interval '1 day'",
            "SELECT coalesce(a, 'x') FROM t",
            "SELECT a::numeric(10,2) FROM t",
            "SELECT a FROM t WHERE k = current_setting('x.y')",
            "SELECT a FROM t WHERE k = E'x\\n'",
            "SELECT a FROM t WHERE k = $$x$$",
            "SELECT a FROM t WHERE k = -5",
            "SELECT a[1] FROM t",
            "SELECT a FROM t WHERE k = U&'x'",
            "SELECT a FROM t WHERE k IS DISTINCT FROM 'x'",
            "SELECT a FROM t WHERE k LIKE 'a%'",
            "SELECT a FROM t WHERE k = 1e5",
            "SELECT a FROM t WHERE k = ?"
        }) {
            assertThat(shape(sql)).as(sql).isNull();
        }
        // Adjacent strings on two lines are one literal to PostgreSQL, and to the lexer.
        LiteralShape joined = shape("SELECT a FROM t WHERE k = 'a'\n'b' AND j = 2");
        assertThat(joined.sql()).isEqualTo("SELECT a FROM t WHERE k = ? AND j = ?");
        assertThat(joined.literals()).containsExactly("ab", "2");
    }

    @Test
    void key_stringAndNumberSpellingsOfOneShape_differ() throws Exception {
        assertThat(shape("SELECT a FROM t WHERE k = 5").key())
                .isNotEqualTo(shape("SELECT a FROM t WHERE k = '5'").key());
        assertThat(shape("SELECT a FROM t WHERE k = 5").key())
                .isEqualTo(shape("SELECT a FROM t WHERE k = 6").key());
    }

    @Test
    void instantiate_mapsMarkersBackToLiteralsAndOwnParameters() throws Exception {
        LiteralShape s = shape("SELECT * FROM orders WHERE tenant_id = 'alice' AND id = ?");
        Analysis shared = new Analysis(
                s.sql(),
                Analysis.Kind.READ,
                java.util.List.of(KeyRef.param(0), KeyRef.param(1), KeyRef.ofContext()),
                null,
                java.util.Set.of("orders"),
                java.util.Set.of(),
                SqlText.of(s.sql()));
        Analysis a = s.instantiate(shared, "orig", SqlText.of("SELECT 1"));
        assertThat(a.keys()).containsExactly(KeyRef.literal("alice"), KeyRef.param(0), KeyRef.ofContext());
        assertThat(a.sql()).isEqualTo("orig");
    }
}
