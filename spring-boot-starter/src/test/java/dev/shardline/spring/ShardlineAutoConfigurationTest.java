package dev.shardline.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shardline.cache.BulkLoader;
import dev.shardline.cache.CacheAside;
import dev.shardline.cache.CacheKey;
import dev.shardline.cache.CacheLoader;
import dev.shardline.cache.CacheStats;
import dev.shardline.routing.ShardlineDataSource;
import dev.shardline.routing.Tenants;
import dev.shardline.spring.internal.ShardlineCacheManager;
import dev.shardline.spring.internal.ShardlineSpringCache;
import dev.shardline.spring.spi.CacheAsideFactory;
import dev.shardline.spring.spi.TenantResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.Mockito;
import org.redisson.api.RedissonClient;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.mock.web.MockHttpServletRequest;

/** Which beans the auto-configurations create and when they back off; no servers (the IT has them). */
class ShardlineAutoConfigurationTest {
    private static final AutoConfigurations ALL = AutoConfigurations.of(
            ShardlineAutoConfiguration.class,
            ShardlineWebAutoConfiguration.class,
            ShardlineCacheAutoConfiguration.class,
            ShardlineHealthAutoConfiguration.class);

    @TempDir
    Path dir;

    /** An in-memory cache-aside: enough to check the Spring adapter's keys and semantics. */
    static final class MapCacheAside implements CacheAside {
        final Map<CacheKey, Object> map = new ConcurrentHashMap<>();
        final AtomicInteger loads = new AtomicInteger();

        @Override
        public <T> T get(CacheKey key, Class<T> type, CacheLoader<T> loader) {
            if (map.containsKey(key)) return type.cast(map.get(key));
            try {
                loads.incrementAndGet();
                T v = loader.load();
                if (v != null) map.put(key, v);
                return v;
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public <T> Map<CacheKey, T> getAll(Collection<CacheKey> keys, Class<T> type, BulkLoader<T> loader) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T> boolean put(CacheKey key, T value) {
            map.put(key, value);
            return true;
        }

        @Override
        public <T> boolean put(CacheKey key, T value, dev.shardline.cache.SourcePosition committedAt) {
            return put(key, value);
        }

        @Override
        public CacheStats stats() {
            return new CacheStats(0, 0, loads.get(), 0, 0, 0, "closed");
        }

        @Override
        public void invalidate(CacheKey key) {
            map.remove(key);
        }

        @Override
        public void invalidateAll(Collection<CacheKey> keys) {
            keys.forEach(map::remove);
        }
    }

    record Item(String name, int qty) {}

    @Test
    void autoConfiguration_withoutConfigProperty_createsNothing() {
        new WebApplicationContextRunner().withConfiguration(ALL).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx).doesNotHaveBean(ShardlineDataSource.class);
            assertThat(ctx).doesNotHaveBean(TenantResolver.class);
            assertThat(ctx).doesNotHaveBean(CacheManager.class);
        });
    }

    @Test
    void tenantResolver_fromProperties_headerFirstThenPath() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ShardlineWebAutoConfiguration.class))
                .withPropertyValues(
                        "spring.shardline.config=/nowhere/shardline.yaml",
                        "spring.shardline.tenant.path-pattern=/t/{tenant}/**")
                .run(ctx -> {
                    TenantResolver r = ctx.getBean(TenantResolver.class);
                    MockHttpServletRequest req = new MockHttpServletRequest("GET", "/t/acme/orders/1");
                    assertThat(r.resolve(req)).contains("acme");
                    req.addHeader("X-Tenant-Id", "globex");
                    assertThat(r.resolve(req)).contains("globex");
                    assertThat(r.resolve(new MockHttpServletRequest("GET", "/health")))
                            .isEmpty();
                });
    }

    @Test
    void tenantResolver_userBean_replacesTheDefault() {
        TenantResolver mine = req -> Optional.of("fixed");
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ShardlineWebAutoConfiguration.class))
                .withPropertyValues("spring.shardline.config=/nowhere/shardline.yaml")
                .withBean(TenantResolver.class, () -> mine)
                .run(ctx -> assertThat(ctx.getBean(TenantResolver.class)).isSameAs(mine));
    }

    private ApplicationContextRunner cacheRunner(MapCacheAside backing) throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("shardline.yaml"),
                "shards:\n  - { name: s0, primary: jdbc:postgresql://127.0.0.1:1/x }\ncache:\n  redis: { address: redis://127.0.0.1:1 }\n");
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ShardlineCacheAutoConfiguration.class))
                .withPropertyValues(
                        "spring.shardline.config=" + yaml,
                        "spring.shardline.cache.trusted-packages=dev.shardline.spring")
                .withBean(RedissonClient.class, () -> Mockito.mock(RedissonClient.class))
                .withBean(CacheAsideFactory.class, () -> name -> backing);
    }

    @Test
    void cacheManager_userCacheManager_backsOff() throws Exception {
        cacheRunner(new MapCacheAside())
                .withBean(CacheManager.class, ConcurrentMapCacheManager::new)
                .run(ctx -> assertThat(ctx.getBean(CacheManager.class)).isInstanceOf(ConcurrentMapCacheManager.class));
    }

    @Test
    void cacheManager_noRedisSection_noCacheManager() throws Exception {
        Path yaml = Files.writeString(
                dir.resolve("plain.yaml"), "shards:\n  - { name: s0, primary: jdbc:postgresql://127.0.0.1:1/x }\n");
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ShardlineCacheAutoConfiguration.class))
                .withPropertyValues("spring.shardline.config=" + yaml)
                .run(ctx -> assertThat(ctx).doesNotHaveBean(CacheManager.class));
    }

    @Test
    void springCache_keysPerTenant_lookWithoutLoading_loadOnceOnSync() throws Exception {
        MapCacheAside backing = new MapCacheAside();
        cacheRunner(backing).run(ctx -> {
            Cache cache = ctx.getBean(CacheManager.class).getCache("item");
            assertThat(ctx.getBean(CacheManager.class)).isInstanceOf(ShardlineCacheManager.class);
            assertThat(cache.get(1)).as("a plain get only looks").isNull();
            Tenants.run("acme", () -> cache.put(1, new Item("bolt", 3)));
            assertThat(backing.map).containsKey(new CacheKey("item", "acme", "1"));
            assertThat(Tenants.call("acme", () -> cache.get(1, Item.class))).isEqualTo(new Item("bolt", 3));
            assertThat(Tenants.call("globex", () -> cache.get(1)))
                    .as("another tenant's entry")
                    .isNull();

            AtomicInteger calls = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                assertThat(Tenants.call(
                                        "globex",
                                        () -> cache.get(2, () -> new Item("nut-" + calls.incrementAndGet(), 1)))
                                .name())
                        .isEqualTo("nut-1");
            }
            assertThat(cache.get("x", () -> "broadcast")).isEqualTo("broadcast");
            assertThat(backing.map).containsKey(new CacheKey("item", ShardlineSpringCache.NO_TENANT, "x"));
            Tenants.run("acme", () -> cache.evict(1));
            assertThat(Tenants.call("acme", () -> cache.get(1))).isNull();
            assertThatThrownBy(cache::clear)
                    .isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("cache 'item'");
        });
    }

    @Test
    void springCache_untrustedStoredType_refused() {
        MapCacheAside backing = new MapCacheAside();
        ShardlineSpringCache cache =
                new ShardlineSpringCache("item", backing, new ObjectMapper(), List.of("java.lang"));
        cache.put(1, new Item("bolt", 3));
        assertThatThrownBy(() -> cache.get(1))
                .hasMessageContaining("not trusted")
                .hasMessageContaining("trusted-packages");
        assertThat(new ShardlineSpringCache("s", backing, new ObjectMapper(), List.of("java.lang")).get("k", () -> "v"))
                .isEqualTo("v");
    }

    @Test
    void configurationMetadata_everyPropertyDescribed() throws Exception {
        var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json");
        assertThat(in)
                .as("metadata generated by spring-boot-configuration-processor")
                .isNotNull();
        var props = new ObjectMapper().readTree(in).get("properties");
        List<String> names = new java.util.ArrayList<>();
        props.forEach(p -> {
            names.add(p.get("name").asText());
            assertThat(p.path("description").asText())
                    .as("description of %s", p.get("name"))
                    .isNotBlank();
        });
        assertThat(names)
                .contains(
                        "spring.shardline.config",
                        "spring.shardline.tenant.header",
                        "spring.shardline.tenant.path-pattern",
                        "spring.shardline.tenant.principal",
                        "spring.shardline.cache.enabled",
                        "spring.shardline.cache.trusted-packages");
    }
}
