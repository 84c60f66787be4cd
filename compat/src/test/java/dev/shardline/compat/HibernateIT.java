package dev.shardline.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shardline.routing.Tenants;
import dev.shardline.testkit.PgCluster;
import dev.shardline.testkit.WithPgCluster;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import org.hibernate.Hibernate;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.annotations.TenantId;
import org.hibernate.cfg.Configuration;
import org.hibernate.context.spi.CurrentTenantIdentifierResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hibernate ORM 6 with its own {@code @TenantId} partitioned multi-tenancy, unmodified, over
 * {@code jdbc:shardline:}: every unit of work runs inside {@link Tenants#run}, and Hibernate's tenant
 * resolver returns that same tenant, so Hibernate's tenant predicate and Shardline's routing agree.
 */
@WithPgCluster(primaries = 2, replicas = 0)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HibernateIT {
    /** An account; the tenant column is Hibernate's {@code @TenantId}. */
    @Entity(name = "Account")
    @Table(name = "accounts")
    public static class Account {
        @Id
        Long id;

        @TenantId
        @Column(name = "tenant_id")
        String tenantId;

        String name;
        long balance;

        @Version
        int version;

        @OneToMany(mappedBy = "account")
        List<Note> notes = new java.util.ArrayList<>();

        public Account() {}

        Account(long id, String name, long balance) {
            this.id = id;
            this.name = name;
            this.balance = balance;
        }
    }

    /** A note with a lazy association to its account. */
    @Entity(name = "Note")
    @Table(name = "notes")
    public static class Note {
        @Id
        Long id;

        @TenantId
        @Column(name = "tenant_id")
        String tenantId;

        @ManyToOne(fetch = FetchType.LAZY)
        @JoinColumn(name = "account_id")
        Account account;

        String body;

        public Note() {}

        Note(long id, Account account, String body) {
            this.id = id;
            this.account = account;
            this.body = body;
        }
    }

    /** Hibernate's tenant is whatever Shardline's context tenant is. */
    public static class ShardlineTenantResolver implements CurrentTenantIdentifierResolver<String> {
        @Override
        public String resolveCurrentTenantIdentifier() {
            Object t = Tenants.current();
            // Hibernate asks at bootstrap and for schema tools too, outside any tenant.
            return t == null ? "none" : t.toString();
        }

        @Override
        public boolean validateExistingCurrentSessions() {
            return true;
        }
    }

    private final PgCluster cluster;
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private SessionFactory sessions;

    HibernateIT(PgCluster cluster) {
        this.cluster = cluster;
    }

    @BeforeAll
    void setUp() throws SQLException {
        String url = CompatFixture.url(cluster);
        try (Connection c = DriverManager.getConnection(url)) {
            CompatFixture.createSchema(c);
        }
        sessions = new Configuration()
                .addAnnotatedClass(Account.class)
                .addAnnotatedClass(Note.class)
                .setProperty("hibernate.connection.url", url)
                .setProperty("hibernate.dialect", "org.hibernate.dialect.PostgreSQLDialect")
                .setProperty("hibernate.hbm2ddl.auto", "validate")
                .setProperty("hibernate.jdbc.batch_size", "50")
                .setProperty("hibernate.order_inserts", "true")
                .setProperty("hibernate.tenant_identifier_resolver", ShardlineTenantResolver.class.getName())
                .buildSessionFactory();
    }

    @AfterAll
    void tearDown() {
        if (sessions != null) sessions.close();
    }

    private <T> T inTenant(String tenant, Function<Session, T> work) {
        return Tenants.call(tenant, () -> sessions.fromTransaction(work));
    }

    @Test
    void persist_batchOfEntities_manyTenantsOnBothShards() throws SQLException {
        for (int t = 0; t < 20; t++) {
            String tenant = run + "-h" + t;
            inTenant(tenant, s -> {
                for (int i = 0; i < 120; i++) s.persist(new Account(i, "acct-" + i, i));
                return null;
            });
        }
        for (int shard = 0; shard < 2; shard++) {
            assertThat(CompatFixture.direct(
                                    cluster.primary(shard),
                                    "SELECT count(*) FROM accounts WHERE tenant_id LIKE '" + run + "-h%'")
                            .get(0))
                    .as("shard %d", shard)
                    .isNotEqualTo("0");
        }
        long total = 0;
        for (int shard = 0; shard < 2; shard++) {
            total += Long.parseLong(CompatFixture.direct(
                            cluster.primary(shard),
                            "SELECT count(*) FROM accounts WHERE tenant_id LIKE '" + run + "-h%'")
                    .get(0));
        }
        assertThat(total).isEqualTo(20 * 120);
        Account a = inTenant(run + "-h3", s -> s.find(Account.class, 7L));
        assertThat(a.name).isEqualTo("acct-7");
        assertThat(a.tenantId).isEqualTo(run + "-h3");
    }

    @Test
    void find_sameIdOtherTenant_isNotVisible() {
        inTenant(run + "-a", s -> {
            s.persist(new Account(1, "mine", 1));
            return null;
        });
        inTenant(run + "-b", s -> {
            s.persist(new Account(1, "theirs", 1));
            return null;
        });
        String mine = inTenant(run + "-a", s -> s.find(Account.class, 1L).name);
        String theirs = inTenant(run + "-b", s -> s.find(Account.class, 1L).name);
        assertThat(mine).isEqualTo("mine");
        assertThat(theirs).isEqualTo("theirs");
        List<String> names = inTenant(
                run + "-a",
                s -> s.createSelectionQuery("select a.name from Account a", String.class)
                        .getResultList());
        assertThat(names).containsExactly("mine");
    }

    @Test
    void lazyAssociation_loadsInsideTheUnitOfWork() {
        String tenant = run + "-lazy";
        inTenant(tenant, s -> {
            Account a = new Account(5, "owner", 0);
            s.persist(a);
            s.persist(new Note(50, a, "hello"));
            return null;
        });
        String owner = inTenant(tenant, s -> {
            Note n = s.find(Note.class, 50L);
            // Field access on a proxy would bypass it: unproxy loads the association through Shardline.
            return Hibernate.unproxy(n.account, Account.class).name;
        });
        assertThat(owner).isEqualTo("owner");
        // A lazy collection: not loaded with its owner, loaded through Shardline on first use.
        List<String> bodies = inTenant(tenant, s -> {
            Account a = s.find(Account.class, 5L);
            assertThat(Hibernate.isInitialized(a.notes)).isFalse();
            return a.notes.stream().map(n -> n.body).toList();
        });
        assertThat(bodies).containsExactly("hello");
    }

    @Test
    void version_concurrentUpdate_secondWriterGetsOptimisticLockFailure() {
        String tenant = run + "-ver";
        inTenant(tenant, s -> {
            s.persist(new Account(9, "v", 10));
            return null;
        });
        Account stale = inTenant(tenant, s -> s.find(Account.class, 9L));
        inTenant(tenant, s -> {
            s.find(Account.class, 9L).balance = 20;
            return null;
        });
        assertThatThrownBy(() -> inTenant(tenant, s -> {
                    stale.balance = 30;
                    return s.merge(stale);
                }))
                .isInstanceOf(OptimisticLockException.class);
        Account now = inTenant(tenant, s -> s.find(Account.class, 9L));
        assertThat(now.balance).isEqualTo(20L);
        assertThat(now.version).isEqualTo(1);
    }
}
