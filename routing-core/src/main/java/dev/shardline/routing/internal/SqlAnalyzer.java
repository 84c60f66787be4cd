package dev.shardline.routing.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.shardline.config.TableRules;
import dev.shardline.routing.internal.Analysis.Kind;
import dev.shardline.routing.internal.PgLexer.Token;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Analyses a SQL text once and keeps the result ({@link Analysis}) in a bounded cache keyed by the
 * exact text: the lexer classifies it, PostgreSQL's generic plan says what it touches, and
 * {@link IsolationCheck} decides whether it provably stays within one tenant. The cache and the
 * catalog are dropped after DDL.
 */
public final class SqlAnalyzer {
    private static final Pattern PARAM_TYPE = Pattern.compile("parameter \\$(\\d+)");
    private static final Set<String> DML =
            Set.of("select", "with", "values", "table", "insert", "update", "delete", "merge");
    private static final Set<String> TCL =
            Set.of("begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release");
    private static final Set<String> DDL = Set.of("create", "alter", "drop", "comment", "grant", "revoke", "truncate");
    /** Settings a statement may not change: they alter name resolution, lexing, identity or Shardline's own state. */
    private static final Set<String> PINNED_SETTINGS = Set.of(
            "search_path",
            "role",
            "session_authorization",
            "standard_conforming_strings",
            "client_encoding",
            "names",
            "row_security",
            "schema",
            "session",
            "plan_cache_mode",
            "authorization",
            "backslash_quote",
            "escape_string_warning");

    private final TableRules rules;
    private final PlanProbe probe;
    private final IsolationCheck check;
    private final Cache<String, Analysis> cache;
    private final Cache<String, Analysis> guardedCache;
    /** Analyses of literal shapes ({@link LiteralShape#key()}), shared by the texts that differ only in values. */
    private final Cache<String, Analysis> shapes;

    private static final Analysis NOT_SHAREABLE = Analysis.unverifiable(null, "shape not shareable", null);
    private volatile ShardCatalog catalog;

    SqlAnalyzer(TableRules rules, int cacheSize, Set<String> trustedFunctions, PlanProbe probe) {
        this.rules = rules;
        this.probe = probe;
        this.check = new IsolationCheck(rules, new FunctionPolicy(trustedFunctions));
        this.cache = Caffeine.newBuilder().maximumSize(cacheSize).build();
        this.guardedCache = Caffeine.newBuilder().maximumSize(cacheSize).build();
        this.shapes = Caffeine.newBuilder().maximumSize(cacheSize).build();
    }

    /** Returns the analysis of {@code sql}, asking the server only the first time the text is seen. */
    Analysis analyze(String sql) throws SQLException {
        Analysis a = cache.getIfPresent(sql);
        if (a != null) return a;
        a = compute(sql);
        cache.put(sql, a);
        return a;
    }

    /**
     * Returns the analysis of {@code a}'s statement restricted to the context tenant, or null when
     * no restriction can be added.
     */
    Analysis guarded(Analysis a) throws SQLException {
        if (a.text() == null) return null;
        Analysis g = guardedCache.getIfPresent(a.sql());
        if (g != null) return g.sql() == null ? null : g;
        String rewritten = ContextGuard.rewrite(a.text(), rules, catalog());
        g = rewritten == null ? Analysis.of(null, Kind.UNVERIFIABLE, null) : compute(rewritten);
        guardedCache.put(a.sql(), g);
        return g.sql() == null ? null : g;
    }

    /**
     * True for a query sent through prepareCall (Liquibase asks {@code select current_schema()} that
     * way) that reads no sharded table and calls nothing Shardline distrusts: it runs like any read.
     */
    boolean isTenantFreeQuery(String sql) {
        try {
            Analysis a = analyze(sql);
            return a.kind() == Kind.READ
                    && a.violation() == null
                    && !a.touchesSharded()
                    && a.text() != null
                    && a.text().verb.equals("select");
        } catch (SQLException e) {
            return false;
        }
    }

    /** Forgets every analysis and the catalog: the schema may have changed. */
    void invalidate() {
        cache.invalidateAll();
        guardedCache.invalidateAll();
        shapes.invalidateAll();
        catalog = null;
    }

    ShardCatalog catalog() throws SQLException {
        ShardCatalog c = catalog;
        if (c == null) {
            c = probe.withConnection(conn -> ShardCatalog.load(conn, rules));
            catalog = c;
        }
        return c;
    }

    private Analysis compute(String sql) throws SQLException {
        SqlText text;
        try {
            text = SqlText.of(sql);
        } catch (PgLexer.LexException e) {
            throw new SQLException(
                    "shardline - syntax error: " + e.getMessage() + ". Statement: " + Router.abbreviate(sql), "42601");
        }
        if (text.statements > 1) {
            return Analysis.unverifiable(
                    sql, "it holds " + text.statements + " statements; send them one at a time", text);
        }
        for (Token t : text.tokens) {
            if (t.type() == PgLexer.Type.OTHER) {
                return Analysis.unverifiable(
                        sql,
                        "it contains '" + t.text() + "' (JDBC escape syntax or a character PostgreSQL does not accept)",
                        text);
            }
        }
        if (text.hasDollarParams()) {
            return Analysis.unverifiable(sql, "it uses $n markers; JDBC statements bind parameters with ?", text);
        }
        int subqueries = 0;
        for (Token t : text.tokens) if (t.is("select") || t.is("join")) subqueries++;
        if (subqueries > 300) {
            return Analysis.unverifiable(
                    sql,
                    "it has " + subqueries + " SELECTs/JOINs; Shardline analyses at most 300 in one statement",
                    text);
        }
        String verb = text.verb;
        if (verb.equals("explain")) return explain(sql, text);
        if (DML.contains(verb)) {
            if (verb.equals("select") && selectInto(text))
                return Analysis.unverifiable(sql, "SELECT INTO creates a table from a query", text);
            return sharedOrPlanned(sql, text);
        }
        if (verb.isEmpty()) return Analysis.of(sql, Kind.READ, text);
        if (verb.equals("show")) return Analysis.of(sql, Kind.READ, text);
        if (verb.equals("set") || verb.equals("reset")) return session(sql, text);
        if (TCL.contains(verb)) {
            if (text.word(1).equals("prepared") || verb.equals("prepare"))
                return Analysis.unverifiable(sql, "two-phase commit is not supported", text);
            return Analysis.of(sql, Kind.TCL, text);
        }
        if (DDL.contains(verb)) return ddl(sql, text);
        return Analysis.unverifiable(
                sql, verb.toUpperCase() + " statements run code or keep state Shardline cannot check", text);
    }

    private static boolean selectInto(SqlText text) {
        for (int k = 0; k < text.tokens.size(); k++) {
            Token t = text.tokens.get(k);
            if (t.depth() == 0 && t.is("into")) return true;
        }
        return false;
    }

    private Analysis explain(String sql, SqlText text) throws SQLException {
        int k = 1;
        if (k < text.tokens.size() && text.tokens.get(k).isPunct('(')) {
            while (k < text.tokens.size()
                    && !(text.tokens.get(k).isPunct(')') && text.tokens.get(k).depth() == 0)) k++;
            k++;
        }
        while (k < text.tokens.size() && !DML.contains(text.word(k))) k++;
        if (k >= text.tokens.size())
            return Analysis.unverifiable(sql, "EXPLAIN of a statement that is not a query", text);
        Analysis inner = analyze(sql.substring(text.tokens.get(k).start()));
        return new Analysis(
                sql,
                inner.kind(),
                inner.keys(),
                inner.violation(),
                inner.shardedTables(),
                inner.broadcastWrites(),
                text);
    }

    private Analysis session(String sql, SqlText text) {
        int k = 1;
        if (text.word(k).equals("local")
                || text.word(k).equals("session") && !text.word(k + 1).equals("characteristics")) k++;
        String name = text.word(k);
        if (name.equals("transaction") || name.equals("session") || name.equals("constraints"))
            return Analysis.of(sql, Kind.SESSION, text);
        if (name.equals("all")
                || PINNED_SETTINGS.contains(name)
                || name.startsWith("shardline")
                || name.isEmpty()
                || k + 1 < text.tokens.size() && text.tokens.get(k + 1).isPunct('.') && name.equals("shardline")) {
            return Analysis.unverifiable(
                    sql,
                    "it changes '" + (name.isEmpty() ? text.tokens.get(k).text() : name)
                            + "', which Shardline pins on every connection (name resolution, lexing, identity or the tenant setting)",
                    text);
        }
        return Analysis.of(sql, Kind.SESSION, text);
    }

    private Analysis ddl(String sql, SqlText text) {
        boolean temp = false;
        boolean createAs = false;
        boolean namesSharded = false;
        for (Token t : text.tokens) {
            if (t.depth() == 0 && (t.is("temp") || t.is("temporary"))) temp = true;
            if (t.depth() == 0 && t.is("as") && text.verb.equals("create")) createAs = true;
            if (t.isWord() && rules.isSharded(t.text())) namesSharded = true;
        }
        String second = text.word(1);
        if (temp)
            return Analysis.unverifiable(
                    sql, "temporary objects stay on a pooled connection after it is returned", text);
        if (text.verb.equals("create")
                && (second.equals("materialized")
                        || createAs && (second.equals("table") || second.equals("unlogged")))) {
            return Analysis.unverifiable(
                    sql, "CREATE ... AS copies query results into a new object on one shard", text);
        }
        if (text.verb.equals("truncate") && namesSharded) {
            return Analysis.unverifiable(sql, "TRUNCATE of a sharded table removes every tenant's rows", text);
        }
        return Analysis.of(sql, Kind.DDL, text);
    }

    /**
     * Analyses a DML text through its {@link LiteralShape} when it has one: texts that differ only in
     * spliced values share one plan probe. A shape the server or the check refuses is not used; the
     * literal text is then analysed on its own (so a refusal names the statement as written).
     */
    private Analysis sharedOrPlanned(String sql, SqlText text) throws SQLException {
        LiteralShape shape = LiteralShape.of(text);
        if (shape == null) return planned(sql, text, null);
        Analysis shared = shapes.getIfPresent(shape.key());
        if (shared == null) {
            try {
                shared = planned(shape.sql(), SqlText.of(shape.sql()), shape.types());
            } catch (PgLexer.LexException e) {
                shared = NOT_SHAREABLE;
            } catch (SQLException e) {
                // Only the statement's own faults (syntax, types, privileges) say the shape cannot be shared.
                String state = e.getSQLState();
                if (state == null || !(state.startsWith("42") || state.startsWith("22") || state.startsWith("0A")))
                    throw e;
                shared = NOT_SHAREABLE;
            }
            shapes.put(shape.key(), shared);
        }
        if (shared == NOT_SHAREABLE || shared.violation() != null) return planned(sql, text, null);
        return shape.instantiate(shared, sql, text);
    }

    private Analysis planned(String sql, SqlText text, String[] paramTypes) throws SQLException {
        ShardCatalog cat = catalog();
        // Refused before the server sees it: planning alone may run a function (or fail on its privileges).
        Set<String> calls = check.disallowedCalls(text, cat);
        if (!calls.isEmpty()) {
            return new Analysis(
                    sql,
                    Kind.WRITE,
                    java.util.List.of(),
                    IsolationCheck.callsViolation(calls),
                    Set.of(),
                    Set.of(),
                    text);
        }
        String standIn = tenantStandIn(text, cat);
        String json = probe.withConnection(c -> explainWithTypes(c, text, standIn, paramTypes));
        PlanFacts plan = PlanFacts.parse(json);
        IsolationCheck.Verdict v = check.check(text, plan, cat);
        return new Analysis(
                sql,
                v.write() ? Kind.WRITE : Kind.READ,
                v.keys(),
                v.violation(),
                v.shardedTables(),
                v.broadcastWrites(),
                text);
    }

    /**
     * A planning value for {@code shardline.tenant} that the tenant columns of the sharded tables the
     * text names (else of every sharded table) accept; "" when they disagree.
     */
    private String tenantStandIn(SqlText text, ShardCatalog cat) {
        java.util.Set<TenantType> types = java.util.EnumSet.noneOf(TenantType.class);
        for (Token t : text.tokens) {
            String table = t.isWord() ? cat.shardedTableOf(t.text()) : null;
            ShardCatalog.Table info = table == null ? null : cat.table(table);
            if (info != null) types.add(info.family());
        }
        TenantType common = TenantType.common(types.isEmpty() ? cat.tenantTypes() : types);
        return common == null ? "" : common.standIn();
    }

    /** EXPLAINs with untyped parameters first; a parameter whose type cannot be inferred is retried as text. */
    private String explainWithTypes(Connection c, SqlText text, String standIn, String[] paramTypes)
            throws SQLException {
        int off = Exprs.PARAM_OFFSET;
        String body = text.forPrepare(off);
        int n = off + text.params;
        String[] types = new String[n];
        Arrays.fill(types, 0, off, "text");
        Arrays.fill(types, off, n, "unknown");
        if (paramTypes != null) {
            for (int i = 0; i < paramTypes.length && off + i < n; i++)
                if (paramTypes[i] != null) types[off + i] = paramTypes[i];
        }
        for (int attempt = 0; ; attempt++) {
            String typeList = "(" + String.join(",", types) + ")";
            try {
                return probe.explain(c, body, n, typeList, standIn);
            } catch (SQLException e) {
                Matcher m = PARAM_TYPE.matcher(String.valueOf(e.getMessage()));
                if (!"42P18".equals(e.getSQLState()) || !m.find() || attempt > text.params) {
                    throw new SQLException(
                            "shardline - PostgreSQL rejected the statement while Shardline analysed it: "
                                    + e.getMessage() + " Statement: " + Router.abbreviate(text.sql),
                            e.getSQLState(),
                            e);
                }
                int p = Integer.parseInt(m.group(1)) - 1;
                if (p < 0 || p >= n || types[p].equals("text")) throw e;
                types[p] = "text";
            }
        }
    }
}
