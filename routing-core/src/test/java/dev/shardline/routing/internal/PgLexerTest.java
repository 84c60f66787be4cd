package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.routing.internal.PgLexer.Token;
import dev.shardline.routing.internal.PgLexer.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

class PgLexerTest {
    private static List<Token> lex(String sql) throws Exception {
        return PgLexer.lex(sql);
    }

    @Test
    void standardString_backslashIsOrdinary() throws Exception {
        List<Token> t = lex("SELECT 1 WHERE note <> '\\' OR true --' AND tenant_id = 'alice'");
        assertThat(t).extracting(Token::text).containsExactly("select", "1", "where", "note", "<>", "\\", "or", "true");
    }

    @Test
    void escapeString_backslashQuoteStaysInside() throws Exception {
        List<Token> t = lex("SELECT E'it\\'s', e'a\\\\' , 'x'");
        assertThat(t.get(1)).extracting(Token::type, Token::text).containsExactly(Type.STRING, "it's");
        assertThat(t.get(3).text()).isEqualTo("a\\");
        assertThat(t.get(5).text()).isEqualTo("x");
    }

    @Test
    void unicodeIdentifier_decodesToTheTableName() throws Exception {
        List<Token> t = lex("SELECT * FROM U&\"ord\\0065rs\"");
        assertThat(t.get(t.size() - 1))
                .extracting(Token::type, Token::text)
                .containsExactly(Type.QUOTED_IDENT, "orders");
    }

    @Test
    void dollarQuotes_andNestedComments_hideSemicolonsAndMarkers() throws Exception {
        SqlText s = SqlText.of("SELECT $tag$ ; ? $$ $tag$, /* a /* nested ; ? */ still */ ? ; ");
        assertThat(s.statements).isEqualTo(1);
        assertThat(s.params).isEqualTo(1);
        assertThat(s.forPrepare()).isEqualTo("SELECT $tag$ ; ? $$ $tag$, /* a /* nested ; ? */ still */ $1 ");
        assertThat(s.forPrepare(1000)).isEqualTo("SELECT $tag$ ; ? $$ $tag$, /* a /* nested ; ? */ still */ $1001 ");
    }

    @Test
    void twoStatements_areCounted() throws Exception {
        assertThat(SqlText.of("SELECT 1; DELETE FROM orders").statements).isEqualTo(2);
        assertThat(SqlText.of("SELECT ';' ;;").statements).isEqualTo(1);
    }

    @Test
    void doubleQuestionMark_isTheJsonbOperator() throws Exception {
        SqlText s = SqlText.of("SELECT doc ?? 'k' FROM t WHERE a = ?");
        assertThat(s.params).isEqualTo(1);
        assertThat(s.forPrepare()).isEqualTo("SELECT doc ?? 'k' FROM t WHERE a = $1");
    }

    @Test
    void unterminatedString_isAnError() {
        assertThatThrownBy(() -> lex("SELECT 'abc"))
                .isInstanceOf(PgLexer.LexException.class)
                .hasMessageContaining("unterminated");
        assertThatThrownBy(() -> lex("SELECT $x$ abc")).isInstanceOf(PgLexer.LexException.class);
        assertThatThrownBy(() -> lex("SELECT /* /* */")).isInstanceOf(PgLexer.LexException.class);
    }

    @Test
    void hugeInList_lexesWithoutRecursion() throws Exception {
        StringBuilder b = new StringBuilder("SELECT * FROM orders WHERE id IN (");
        for (int i = 0; i < 200_000; i++) b.append(i == 0 ? "" : ",").append(i);
        b.append(")");
        assertThat(lex(b.toString())).hasSizeGreaterThan(400_000);
    }

    @Test
    void conjuncts_splitOnlyAtTopLevelAnd() {
        List<List<Token>> c = Exprs.conjuncts(Exprs.lexPlan("((o.tenant_id = $1) AND ((o.a = 1) OR (o.b = 2)))"));
        assertThat(c).hasSize(2);
        assertThat(Exprs.equality(c.get(0), "o", "orders", "tenant_id")).isNull();
        assertThat(Exprs.equality(Exprs.lexPlan("(o.tenant_id = $1001)"), "o", "orders", "tenant_id"))
                .isEqualTo(KeyRef.param(0));
        assertThat(Exprs.conjuncts(Exprs.lexPlan("((o.tenant_id = $1) OR (o.b = 2))")))
                .hasSize(1);
        assertThat(Exprs.equality(
                        Exprs.conjuncts(Exprs.lexPlan("((o.tenant_id = $1) OR (o.b = 2))"))
                                .get(0),
                        "o",
                        "orders",
                        "tenant_id"))
                .isNull();
    }

    @Test
    void equality_readsLiteralsCastsAndTheContextSetting() {
        assertThat(Exprs.equality(Exprs.lexPlan("(orders.tenant_id = 'alice'::text)"), "orders", "orders", "tenant_id"))
                .isEqualTo(KeyRef.literal("alice"));
        assertThat(Exprs.equality(Exprs.lexPlan("((o.tenant_id)::text = ($1002)::text)"), "o", "orders", "tenant_id"))
                .isEqualTo(KeyRef.param(1));
        assertThat(Exprs.equality(
                        Exprs.lexPlan("(o.tenant_id = (current_setting('shardline.tenant'::text))::bigint)"),
                        "o",
                        "orders",
                        "tenant_id"))
                .isEqualTo(KeyRef.ofContext());
        // The two-argument form is what RLS policies use; it is no proof of the analysis.
        assertThat(Exprs.equality(
                        Exprs.lexPlan("(o.tenant_id = current_setting('shardline.tenant'::text, true))"),
                        "o",
                        "orders",
                        "tenant_id"))
                .isNull();
        assertThat(Exprs.equality(Exprs.lexPlan("(x.tenant_id = $1)"), "o", "orders", "tenant_id"))
                .isNull();
    }

    @Test
    void valuesRows_subqueryElement_isNoSource() throws Exception {
        SqlText s = SqlText.of("INSERT INTO orders (tenant_id, id, amount) VALUES (?, 3003, 1), ((SELECT ?), 3004, 1)");
        List<List<List<Token>>> rows = s.valuesRows();
        assertThat(rows).hasSize(2);
        assertThat(Exprs.source(rows.get(0).get(0))).isEqualTo(KeyRef.param(0));
        assertThat(Exprs.source(rows.get(1).get(0))).isNull();
    }
}
