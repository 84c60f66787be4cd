package dev.shardline.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class TenantTypeTest {
    @Test
    void ofSqlType_formatTypeNames() {
        assertThat(TenantType.ofSqlType("bigint")).isEqualTo(TenantType.INTEGER);
        assertThat(TenantType.ofSqlType("integer")).isEqualTo(TenantType.INTEGER);
        assertThat(TenantType.ofSqlType("numeric(12,0)")).isEqualTo(TenantType.NUMERIC);
        assertThat(TenantType.ofSqlType("uuid")).isEqualTo(TenantType.UUID_TYPE);
        assertThat(TenantType.ofSqlType("character(8)")).isEqualTo(TenantType.BPCHAR);
        assertThat(TenantType.ofSqlType("character varying(20)")).isEqualTo(TenantType.TEXT);
        assertThat(TenantType.ofSqlType("text")).isEqualTo(TenantType.TEXT);
        assertThat(TenantType.ofSqlType(null)).isEqualTo(TenantType.TEXT);
    }

    @Test
    void canonical_integerSpellings_oneValue() {
        for (Object v : List.of("7", "007", " 7", "+7", "7\t\n", 7, 7L, new BigDecimal("7.000"))) {
            assertThat(TenantType.INTEGER.canonical(v)).as("%s", v).isEqualTo("7");
        }
        assertThat(TenantType.INTEGER.canonical("-0")).isEqualTo("0");
        assertThat(TenantType.INTEGER.canonical("123456789012345678901234567890"))
                .isEqualTo("123456789012345678901234567890");
        for (String bad : List.of("7.0", "seven", "", " ", "1e3", "0x10", "7 7", "++7")) {
            assertThatThrownBy(() -> TenantType.INTEGER.canonical(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void canonical_numeric_wholeNumbersOnly() {
        assertThat(TenantType.NUMERIC.canonical("7.000")).isEqualTo("7");
        assertThat(TenantType.NUMERIC.canonical("7e2")).isEqualTo("700");
        assertThat(TenantType.NUMERIC.canonical(" +.7e1 ")).isEqualTo("7");
        assertThatThrownBy(() -> TenantType.NUMERIC.canonical("7.5")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantType.NUMERIC.canonical("NaN")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void canonical_uuidSpellings_lowerCaseStandardForm() {
        UUID u = UUID.fromString("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        for (Object v : List.of(
                u,
                "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
                "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
                "a0eebc999c0b4ef8bb6d6bb9bd380a11",
                "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11")) {
            assertThat(TenantType.UUID_TYPE.canonical(v)).as("%s", v).isEqualTo(u.toString());
        }
        assertThatThrownBy(() -> TenantType.UUID_TYPE.canonical("a0eebc99"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TenantType.UUID_TYPE.canonical("g0eebc999c0b4ef8bb6d6bb9bd380a11"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void canonical_textKeepsSpelling_bpcharDropsTrailingSpaces() {
        assertThat(TenantType.TEXT.canonical("007 ")).isEqualTo("007 ");
        assertThat(TenantType.TEXT.canonical(42L)).isEqualTo("42");
        assertThat(TenantType.BPCHAR.canonical("ab  ")).isEqualTo("ab");
        assertThat(TenantType.BPCHAR.canonical(" ab")).isEqualTo(" ab");
    }
}
