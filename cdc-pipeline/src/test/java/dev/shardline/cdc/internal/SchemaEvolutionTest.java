package dev.shardline.cdc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {
    @Test
    void isWidening_integersGrowOnly() {
        assertThat(SchemaEvolution.isWidening("integer", "bigint")).isTrue();
        assertThat(SchemaEvolution.isWidening("smallint", "integer")).isTrue();
        assertThat(SchemaEvolution.isWidening("INTEGER", "BIGINT")).isTrue();
        assertThat(SchemaEvolution.isWidening("bigint", "integer")).isFalse();
        assertThat(SchemaEvolution.isWidening("integer", "numeric(20,2)")).isTrue();
        assertThat(SchemaEvolution.isWidening("integer", "integer")).isFalse();
    }

    @Test
    void isWidening_varcharAndNumeric_onlyWhenNothingIsLost() {
        assertThat(SchemaEvolution.isWidening("character varying(10)", "character varying(20)"))
                .isTrue();
        assertThat(SchemaEvolution.isWidening("character varying(20)", "character varying(10)"))
                .isFalse();
        assertThat(SchemaEvolution.isWidening("character varying(10)", "text")).isTrue();
        assertThat(SchemaEvolution.isWidening("numeric(12,2)", "numeric(14,2)")).isTrue();
        assertThat(SchemaEvolution.isWidening("numeric(12,2)", "numeric(12,4)")).isFalse(); // fewer integer digits
        assertThat(SchemaEvolution.isWidening("DECIMAL(12,2)", "DECIMAL(18,4)")).isTrue();
        assertThat(SchemaEvolution.isWidening("text", "integer")).isFalse();
        assertThat(SchemaEvolution.isWidening("real", "double precision")).isTrue();
    }
}
