package dev.shardline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BucketMapTest {
    @Test
    void murmur3_knownVectors_match() {
        // Reference values of MurmurHash3_x86_32 with seed 0.
        assertThat(TenantHash.murmur3(new byte[0])).isEqualTo(0);
        assertThat(TenantHash.murmur3("hello".getBytes(StandardCharsets.UTF_8))).isEqualTo(0x248bfa47);
        assertThat(TenantHash.murmur3("The quick brown fox jumps over the lazy dog".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(0x2e4ff723);
    }

    @Test
    void shardIndexOf_numberAndText_sameTenant() {
        BucketMap m = BucketMap.even(1024, List.of("a", "b", "c"));
        for (int t = 0; t < 1000; t++) {
            assertThat(m.shardIndexOf(t))
                    .isEqualTo(m.shardIndexOf((long) t))
                    .isEqualTo(m.shardIndexOf(String.valueOf(t)));
        }
    }

    @Test
    void even_manyTenants_spreadsRoughlyEvenly() {
        BucketMap m = BucketMap.even(1024, List.of("a", "b", "c", "d"));
        int[] counts = new int[4];
        for (int t = 0; t < 40_000; t++) counts[m.shardIndexOf(t)]++;
        for (int c : counts) assertThat(c).isBetween(9_000, 11_000);
    }

    @Test
    void pin_overridesHash() {
        BucketMap plain = BucketMap.even(8, List.of("a", "b"));
        String other = plain.shardIndexOf(7) == 0 ? "b" : "a";
        BucketMap pinned = BucketMap.builder(8, List.of("a", "b"))
                .assignEvenly()
                .pin(7, other)
                .build();
        assertThat(pinned.shardOf(7)).isEqualTo(other);
        assertThat(pinned.shardOf("7")).isEqualTo(other);
    }

    @Test
    void canonical_fraction_rejected() {
        assertThatThrownBy(() -> TenantHash.canonical(new java.math.BigDecimal("1.5")))
                .hasMessageContaining("whole number");
        assertThatThrownBy(() -> TenantHash.canonical(null)).hasMessageContaining("must not be null");
    }
}
