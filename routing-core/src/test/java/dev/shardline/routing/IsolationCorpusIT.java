package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs the adversarial corpus ({@code isolation-corpus.txt}) against three real shards holding two
 * tenants each. Every case runs for a tenant on two different shards, with the tenant written as a
 * literal and as a bound parameter; after each run every shard's rows are compared with their state
 * before it: no other tenant's row may be read (every row carries a per-tenant secret), changed,
 * deleted or misplaced, and each case's expected outcome (runs / refused by Shardline) must hold.
 */
@WithPgCluster(primaries = 3, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolationCorpusIT {
    private static final Pattern PLACEHOLDER = Pattern.compile(":([TOX])\\b");
    private static final Pattern SECRET = Pattern.compile("secret-([a-z0-9-]+)-\\d+");

    final PgCluster cluster;
    ShardlineConfig config;
    ShardlineDataSource admin;
    /** The DataSource the corpus runs through (the admin one unless a subclass sets another up). */
    ShardlineDataSource ds;
    /** tenants[shard] = two tenants the shard owns. */
    final String[][] tenants = new String[3][2];

    private final Connection[] fingerprintConns = new Connection[3];

    IsolationCorpusIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    record Case(int line, String expect, boolean context, String sql) {}

    @BeforeAll
    void setUp() throws SQLException {
        config = ShardlineConfig.fromYaml(RoutingFixture.yaml(cluster, ""));
        admin = ShardlineDataSource.create(
                config, RoutingSettings.from(config.section("routing")), new SimpleMeterRegistry());
        int[] found = new int[3];
        for (int i = 0; found[0] + found[1] + found[2] < 6 && i < 10_000; i++) {
            String t = "t" + i;
            int s = config.buckets().shardIndexOf(t);
            if (found[s] < 2) tenants[s][found[s]++] = t;
        }
        try (Connection c = admin.getConnection();
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS orders, order_items, currencies CASCADE");
            s.execute(
                    "CREATE TABLE orders (tenant_id text NOT NULL, id bigint NOT NULL, amount int NOT NULL, note text, "
                            + "status text NOT NULL DEFAULT 'new', ref text UNIQUE, PRIMARY KEY (tenant_id, id))");
            s.execute("CREATE TABLE order_items (tenant_id text NOT NULL, order_id bigint NOT NULL, sku text NOT NULL, "
                    + "PRIMARY KEY (tenant_id, order_id, sku))");
            s.execute("CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL)");
            s.execute("CREATE VIEW v_orders AS SELECT * FROM orders");
            s.execute("CREATE VIEW v_all_notes AS SELECT string_agg(note, ',') AS notes FROM orders");
            s.execute(
                    "CREATE OR REPLACE FUNCTION leak_notes() RETURNS text LANGUAGE plpgsql AS $$ BEGIN RETURN (SELECT string_agg(note, ',') FROM orders); END $$");
            s.execute("INSERT INTO currencies VALUES ('EUR', 'Euro')");
        }
        reseed();
        ds = corpusDataSource();
    }

    /** Returns the DataSource the corpus runs through; subclasses change the isolation mode or role. */
    ShardlineDataSource corpusDataSource() throws SQLException {
        return admin;
    }

    @AfterAll
    void tearDown() throws SQLException {
        for (Connection c : fingerprintConns) if (c != null) c.close();
        if (ds != null && ds != admin) ds.close();
        if (admin != null) admin.close();
    }

    private void reseed() throws SQLException {
        for (int s = 0; s < 3; s++) {
            try (Connection c = cluster.primary(s).connect();
                    Statement st = c.createStatement()) {
                st.execute("TRUNCATE orders, order_items");
                for (String t : tenants[s]) {
                    for (int id = 1; id <= 3; id++) {
                        st.execute("INSERT INTO orders (tenant_id, id, amount, note, ref) VALUES ('" + t + "', " + id
                                + ", " + (10 * id) + ", 'secret-" + t + "-" + id + "', 'ref-" + t + "-" + id + "')");
                        st.execute("INSERT INTO order_items VALUES ('" + t + "', " + id + ", 'secret-" + t + "-"
                                + (100 + id) + "')");
                    }
                }
            }
        }
    }

    /** (shard, table, tenant) → digest of that tenant's rows there. */
    private Map<String, String> fingerprint() throws SQLException {
        Map<String, String> fp = new HashMap<>();
        for (int s = 0; s < 3; s++) {
            // One admin connection per shard for the whole corpus: a new one per check cost most of the IT's time.
            if (fingerprintConns[s] == null || !fingerprintConns[s].isValid(5))
                fingerprintConns[s] = cluster.primary(s).connect();
            try (Statement st = fingerprintConns[s].createStatement()) {
                for (String table : List.of("orders", "order_items")) {
                    try (ResultSet rs = st.executeQuery(
                            "SELECT tenant_id, md5(string_agg(t, '|' ORDER BY t)) FROM (SELECT tenant_id, x::text AS t FROM "
                                    + table + " x) z GROUP BY tenant_id")) {
                        while (rs.next()) fp.put(s + "/" + table + "/" + rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        return fp;
    }

    private List<Case> corpus() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/isolation-corpus.txt")) {
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i];
                if (l.isBlank() || l.startsWith("#")) continue;
                String[] p = l.split(" \\| ", 3);
                out.add(new Case(i + 1, p[0].strip(), p[1].strip().equals("ctx"), p[2].replace("{NL}", "\n")));
            }
        }
        return out;
    }

    @Test
    void corpus_neverTouchesAnotherTenantsRows() throws Exception {
        List<Case> cases = corpus();
        List<String> failures = new ArrayList<>();
        int runs = 0;
        int refused = 0;
        Map<String, String> carried = null;
        for (Case c : cases) {
            for (int shard : new int[] {0, 1}) {
                for (boolean asParam : new boolean[] {false, true}) {
                    String t = tenants[shard][0];
                    String o = tenants[shard][1];
                    String x = tenants[(shard + 1) % 3][0];
                    runs++;
                    // The state after the previous run, unless that run changed something and the shards were reseeded.
                    Map<String, String> before = carried != null ? carried : fingerprint();
                    String outcome = run(c, t, o, x, asParam, failures);
                    if (outcome.startsWith("refused")) refused++;
                    Map<String, String> after = fingerprint();
                    String where = "line " + c.line() + " (" + (asParam ? "param" : "literal") + ", tenant " + t + "): "
                            + c.sql();
                    for (String k : union(before, after)) {
                        String[] parts = k.split("/");
                        int owner = config.buckets().shardIndexOf(parts[2]);
                        if (after.containsKey(k) && owner != Integer.parseInt(parts[0])) {
                            failures.add("MISPLACED rows of tenant " + parts[2] + " on shard " + parts[0]
                                    + " (owner shard " + owner + ") by " + where);
                        }
                        boolean seeded = before.containsKey(k);
                        boolean own = parts[2].equals(t) && Integer.parseInt(parts[0]) == shard;
                        // A statement naming only some other tenant may write that tenant's new rows; it may never
                        // touch seeded ones.
                        if (!own
                                && (seeded || !c.expect().equals("any"))
                                && !java.util.Objects.equals(before.get(k), after.get(k))) {
                            failures.add("FOREIGN ROWS "
                                    + (after.get(k) == null
                                            ? "deleted"
                                            : before.get(k) == null ? "misplaced/created" : "changed")
                                    + " for " + k + " by " + where);
                        }
                    }
                    boolean expectOk = c.expect().equals("ok");
                    boolean expectReject = c.expect().equals("reject");
                    if (expectOk && !outcome.equals("ran")) failures.add("EXPECTED TO RUN, " + outcome + ": " + where);
                    if (expectReject && !outcome.startsWith("refused"))
                        failures.add("EXPECTED SHARDLINE TO REFUSE, " + outcome + ": " + where);
                    if (before.equals(after)) {
                        carried = after;
                    } else {
                        reseed();
                        carried = null;
                    }
                }
            }
        }
        System.out.printf(
                "isolation corpus: %d cases, %d runs, %d refused, %d failures%n",
                cases.size(), runs, refused, failures.size());
        assertThat(cases.size()).isGreaterThanOrEqualTo(75);
        assertThat(failures).as(String.join("\n", failures)).isEmpty();
    }

    private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.Set<String> s = new java.util.TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return s;
    }

    /** Runs one case; returns "ran", "refused SLxxx ...", or "server error ...". Records read leaks in {@code failures}. */
    private String run(Case c, String t, String o, String x, boolean asParam, List<String> failures) {
        Map<String, String> values = Map.of("T", t, "O", o, "X", x);
        List<String> bind = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(c.sql());
        StringBuilder sql = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            if (asParam) {
                bind.add(v);
                m.appendReplacement(sql, "?");
            } else {
                m.appendReplacement(sql, Matcher.quoteReplacement("'" + v + "'"));
            }
        }
        m.appendTail(sql);
        try {
            Tenants.Work<Void, SQLException> work = () -> {
                try (Connection conn = ds.getConnection();
                        PreparedStatement ps = conn.prepareStatement(sql.toString())) {
                    for (int i = 0; i < bind.size(); i++) ps.setString(i + 1, bind.get(i));
                    boolean rs = ps.execute();
                    while (true) {
                        if (rs) {
                            try (ResultSet r = ps.getResultSet()) {
                                checkLeak(r, t, c, failures);
                            }
                        } else if (ps.getUpdateCount() == -1) {
                            break;
                        }
                        rs = ps.getMoreResults();
                    }
                }
                return null;
            };
            if (c.context()) Tenants.call(t, work);
            else work.call();
            return "ran";
        } catch (SQLException e) {
            String state = String.valueOf(e.getSQLState());
            if (state.startsWith("SL") || state.equals("22023") || state.equals("0A000"))
                return "refused " + state + " " + e.getMessage();
            return "server error " + state + " " + e.getMessage();
        } catch (RuntimeException | Error e) {
            failures.add("UNCHECKED " + e + " escaped line " + c.line() + ": " + c.sql());
            return "unchecked " + e;
        }
    }

    private static void checkLeak(ResultSet r, String tenant, Case c, List<String> failures) throws SQLException {
        int n = r.getMetaData().getColumnCount();
        while (r.next()) {
            for (int i = 1; i <= n; i++) {
                String v = r.getString(i);
                if (v == null) continue;
                Matcher m = SECRET.matcher(v);
                while (m.find()) {
                    if (!m.group(1).equals(tenant))
                        failures.add("READ LEAK of " + m.group() + " at line " + c.line() + " (tenant " + tenant + "): "
                                + c.sql());
                }
            }
        }
    }
}
