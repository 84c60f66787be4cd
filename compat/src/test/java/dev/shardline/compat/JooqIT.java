package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import dev.shardline.routing.Tenants;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** jOOQ (open-source edition), unmodified, rendering quoted PostgreSQL SQL over {@code jdbc:shardline:}. */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JooqIT {
    private static final Table<Record> ACCOUNTS = table(name("accounts"));
    private static final Field<String> TENANT = field(name("tenant_id"), String.class);
    private static final Field<Long> ID = field(name("id"), Long.class);
    private static final Field<String> NAME = field(name("name"), String.class);
    private static final Field<Long> BALANCE = field(name("balance"), Long.class);
    private static final Field<Integer> VERSION = field(name("version"), Integer.class);

    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Connection connection;
    private DSLContext db;

    JooqIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        connection = DriverManager.getConnection(CompatFixture.url(cluster));
        CompatFixture.createSchema(connection);
        db = DSL.using(connection, SQLDialect.POSTGRES);
    }

    @AfterAll
    void tearDown() throws SQLException {
        connection.close();
    }

    @Test
    void insertSelectUpdate_tenantInWhere_routesToTheTenantsShard() {
        for (int i = 0; i < 30; i++) {
            int n = db.insertInto(ACCOUNTS, TENANT, ID, NAME, BALANCE, VERSION)
                    .values(run + "-j" + i, 1L, "n" + i, 5L, 0)
                    .execute();
            assertThat(n).isEqualTo(1);
        }
        String t = run + "-j4";
        assertThat(db.update(ACCOUNTS)
                        .set(BALANCE, BALANCE.plus(10))
                        .where(TENANT.eq(t).and(ID.eq(1L)))
                        .execute())
                .isEqualTo(1);
        Record r = db.select(NAME, BALANCE)
                .from(ACCOUNTS)
                .where(TENANT.eq(t))
                .and(ID.eq(1L))
                .fetchOne();
        assertThat(r.get(NAME)).isEqualTo("n4");
        assertThat(r.get(BALANCE)).isEqualTo(15L);
    }

    @Test
    void batchAndTransaction_insideTenantContext() {
        String t = run + "-jtx";
        Tenants.run(
                t,
                () -> db.transaction(cfg -> {
                    DSLContext tx = DSL.using(cfg);
                    tx.batch(
                                    tx.insertInto(ACCOUNTS, TENANT, ID, NAME, BALANCE, VERSION)
                                            .values(t, 1L, "a", 1L, 0),
                                    tx.insertInto(ACCOUNTS, TENANT, ID, NAME, BALANCE, VERSION)
                                            .values(t, 2L, "b", 2L, 0))
                            .execute();
                }));
        List<String> names =
                Tenants.call(t, () -> db.select(NAME).from(ACCOUNTS).orderBy(ID).fetch(NAME));
        assertThat(names).containsExactly("a", "b");
        Integer sum = Tenants.call(
                t,
                () -> db.select(DSL.sum(BALANCE).cast(Integer.class))
                        .from(ACCOUNTS)
                        .fetchOne(0, Integer.class));
        assertThat(sum).isEqualTo(3);
    }
}
