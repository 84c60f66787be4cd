package dev.shardline.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.shardline.config.ShardlineConfig;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The statement spans routing-core opens, exported through the SDK's in-memory exporter, against real shards. */
@WithPgCluster(primaries = 2, replicas = 1)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingTracingIT {
    static final AttributeKey<String> SHARD = AttributeKey.stringKey("shardline.shard");
    static final AttributeKey<String> ROLE = AttributeKey.stringKey("shardline.endpoint.role");
    static final AttributeKey<String> ENDPOINT = AttributeKey.stringKey("shardline.endpoint");
    static final AttributeKey<String> TARGET = AttributeKey.stringKey("shardline.route.target");
    static final AttributeKey<String> REASON = AttributeKey.stringKey("shardline.route.reason");
    static final AttributeKey<String> DETAIL = AttributeKey.stringKey("shardline.route.detail");
    static final AttributeKey<String> TENANT = AttributeKey.stringKey("shardline.tenant");
    static final AttributeKey<Boolean> REJECTED = AttributeKey.booleanKey("shardline.rejected");
    static final AttributeKey<String> REJECTION = AttributeKey.stringKey("shardline.rejection.reason");
    static final AttributeKey<String> SQLSTATE = AttributeKey.stringKey("db.response.status_code");

    private final PgCluster cluster;
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private ShardlineDataSource ds;
    private ShardlineConfig cfg;

    RoutingTracingIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        cfg = ShardlineConfig.fromYaml(RoutingFixture.yaml(cluster, ""));
        ds = ShardlineDataSource.create(
                cfg, RoutingSettings.from(cfg.section("routing")), new SimpleMeterRegistry(), otel);
        RoutingFixture.createSchema(ds);
    }

    @AfterAll
    void tearDown() {
        ds.close();
        otel.close();
    }

    @BeforeEach
    void clear() {
        spans.reset();
    }

    private static void insert(Connection c, String tenant, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (tenant_id, id, amount) VALUES (?, ?, 1)")) {
            ps.setString(1, tenant);
            ps.setLong(2, id);
            ps.executeUpdate();
        }
    }

    private SpanData only(String name) {
        List<SpanData> named = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(name))
                .toList();
        assertThat(named)
                .as("spans named %s among %s", name, spans.getFinishedSpanItems())
                .hasSize(1);
        return named.get(0);
    }

    @Test
    void write_pinnedTenant_spanNamesShard1PrimaryAndIsAChildOfTheCallersSpan() throws SQLException {
        Span caller = otel.getTracer("test").spanBuilder("caller").startSpan();
        try (Scope ignored = caller.makeCurrent();
                Connection c = ds.getConnection()) {
            insert(c, "pinned-tenant", System.nanoTime());
        } finally {
            caller.end();
        }
        SpanData s = only("shardline INSERT");
        assertThat(s.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(s.getParentSpanId()).isEqualTo(caller.getSpanContext().getSpanId());
        assertThat(s.getAttributes().get(SHARD)).isEqualTo("shard-1");
        assertThat(s.getAttributes().get(ROLE)).isEqualTo("primary");
        assertThat(s.getAttributes().get(ENDPOINT))
                .isEqualTo(cfg.shards().get(1).primary().id());
        assertThat(s.getAttributes().get(TARGET)).isEqualTo("one");
        assertThat(s.getAttributes().get(REASON)).isEqualTo("tenant_key");
        assertThat(s.getAttributes().get(TENANT)).as("tenant is off by default").isNull();
        assertThat(s.getAttributes().get(DETAIL))
                .as("the explanation names the tenant")
                .isNull();
        assertThat(s.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
    }

    @Test
    void read_outsideTransaction_roleIsTheServerThatAnswered() throws SQLException {
        String t = run + "-read";
        try (Connection c = ds.getConnection()) {
            insert(c, t, 1);
        }
        int shard = cfg.buckets().shardIndexOf(t);
        // Until the replica has replayed the write the primary answers; every span must say which one did.
        Awaitility.await()
                .atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    spans.reset();
                    boolean inRecovery;
                    try (Connection c = ds.getConnection();
                            PreparedStatement ps =
                                    c.prepareStatement("SELECT pg_is_in_recovery() FROM orders WHERE tenant_id = ?")) {
                        ps.setString(1, t);
                        try (ResultSet rs = ps.executeQuery()) {
                            if (!rs.next()) return false;
                            inRecovery = rs.getBoolean(1);
                        }
                    }
                    SpanData s = only("shardline SELECT");
                    assertThat(s.getAttributes().get(SHARD)).isEqualTo("shard-" + shard);
                    assertThat(s.getAttributes().get(ROLE)).isEqualTo(inRecovery ? "replica" : "primary");
                    String expectedEndpoint = inRecovery
                            ? cfg.shards().get(shard).replicas().get(0).id()
                            : cfg.shards().get(shard).primary().id();
                    assertThat(s.getAttributes().get(ENDPOINT)).isEqualTo(expectedEndpoint);
                    return inRecovery;
                });
    }

    @Test
    void rejected_noTenant_spanRecordsSqlStateAndReasonButNotTheStatement() {
        assertThatThrownBy(() -> {
                    try (Connection c = ds.getConnection();
                            Statement st = c.createStatement()) {
                        st.executeQuery("SELECT * FROM orders WHERE amount > 0");
                    }
                })
                .isInstanceOfSatisfying(
                        SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo(SqlStates.TENANT_REQUIRED));
        SpanData s = only("shardline SELECT");
        assertThat(s.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(s.getAttributes().get(REJECTED)).isTrue();
        assertThat(s.getAttributes().get(SQLSTATE)).isEqualTo("SL001");
        assertThat(s.getAttributes().get(REJECTION)).isEqualTo("isolation");
        assertThat(s.getAttributes().get(SHARD)).as("nothing ran").isNull();
        assertThat(s.getEvents()).singleElement().satisfies(ev -> {
            assertThat(ev.getAttributes().get(AttributeKey.stringKey("exception.type")))
                    .isEqualTo(TenantRequiredException.class.getName());
            assertThat(ev.getAttributes().get(AttributeKey.stringKey("exception.message")))
                    .as("the message quotes the SQL")
                    .isNull();
        });
    }

    @Test
    void rejected_transactionOnTwoShards_recordsTheCrossShardState() throws SQLException {
        String other = tenantOn(0);
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            insert(c, "pinned-tenant", System.nanoTime());
            assertThatThrownBy(() -> insert(c, other, 1)).isInstanceOf(CrossShardException.class);
            c.rollback();
        }
        SpanData refused = spans.getFinishedSpanItems().stream()
                .filter(s -> s.getStatus().getStatusCode() == StatusCode.ERROR)
                .findFirst()
                .orElseThrow();
        assertThat(refused.getAttributes().get(SQLSTATE)).isEqualTo(SqlStates.CROSS_SHARD_TRANSACTION);
        assertThat(refused.getAttributes().get(REJECTION)).isEqualTo("cross_shard_transaction");
        assertThat(refused.getAttributes().get(SHARD))
                .as("the shard the statement routed to")
                .isEqualTo("shard-0");
    }

    @Test
    void ddl_broadcast_spanNamesEveryShard() throws SQLException {
        try (Connection c = ds.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS currencies (code text PRIMARY KEY, name text NOT NULL)");
        }
        SpanData s = only("shardline CREATE");
        assertThat(s.getAttributes().get(TARGET)).isEqualTo("all_primaries");
        assertThat(s.getAttributes().get(REASON)).isEqualTo("ddl");
        assertThat(s.getAttributes().get(SHARD)).isEqualTo("shard-0,shard-1");
        assertThat(s.getAttributes().get(ROLE)).isEqualTo("primary");
    }

    @Test
    void tenantSetting_on_spanCarriesTheTenantAndTheExplanation() throws SQLException {
        RoutingSettings withTenant = RoutingSettings.from(
                ShardlineConfig.fromYaml(RoutingFixture.yaml(cluster, """
        # appended to the fixture's routing section
          tracing: { tenant: true }
        """)).section("routing"));
        assertThat(withTenant.traceTenant()).isTrue();
        assertThat(RoutingSettings.ofDefaults().traceTenant()).isFalse();
        try (ShardlineDataSource traced = ShardlineDataSource.create(cfg, withTenant, new SimpleMeterRegistry(), otel);
                Connection c = traced.getConnection()) {
            Tenants.run("pinned-tenant", () -> {
                try (Statement st = c.createStatement()) {
                    st.executeQuery("SELECT 1").close();
                }
            });
        }
        SpanData s = only("shardline SELECT");
        assertThat(s.getAttributes().get(TENANT)).isEqualTo("pinned-tenant");
        assertThat(s.getAttributes().get(REASON)).isEqualTo("tenant_context");
        assertThat(s.getAttributes().get(DETAIL)).contains("pinned-tenant").contains("shard-1");
        assertThat(s.getAttributes().get(SHARD)).isEqualTo("shard-1");
    }

    @Test
    void global_notInstalled_neverFrozenThenPickedUpOnceSet() throws SQLException {
        assumeFalse(GlobalOpenTelemetry.isSet(), "another test in this JVM installed a global OpenTelemetry");
        try (ShardlineDataSource plain = RoutingFixture.dataSource(cluster)) {
            try (Connection c = plain.getConnection()) {
                insert(c, "pinned-tenant", System.nanoTime());
            }
            assertThat(GlobalOpenTelemetry.isSet())
                    .as("the library must not freeze the global to no-op")
                    .isFalse();
            assertThat(spans.getFinishedSpanItems()).isEmpty();
            GlobalOpenTelemetry.set(otel);
            try (Connection c = plain.getConnection()) {
                insert(c, "pinned-tenant", System.nanoTime());
            }
            assertThat(only("shardline INSERT").getAttributes().get(SHARD)).isEqualTo("shard-1");
        } finally {
            GlobalOpenTelemetry.resetForTest();
        }
    }

    private String tenantOn(int shard) {
        for (int i = 0; i < 10_000; i++) {
            String t = run + "-s" + i;
            if (cfg.buckets().shardIndexOf(t) == shard) return t;
        }
        throw new IllegalStateException("no tenant on shard-" + shard + " in 10,000 tries");
    }
}
